using System.Security.Cryptography;

namespace TalkToMe.Core.Media;

/// <summary>A file spooled to <c>tmp/</c>: where it is, and what it will be stored as.</summary>
public sealed record SpooledFile(string Path, StoredFile File);

/// <summary>
/// The first step of every store: the incoming stream copied to a file of its own under <c>tmp/</c> of the local media folder
/// while it is hashed and counted, so no store holds a whole file in memory and a file past the limit is refused before
/// anything is kept.
/// </summary>
public static class MediaSpool
{
    private const int HeadLength = 64;

    /// <summary>Whether <paramref name="sha256"/> can be a stored file's name (64 hex digits), so no other name reaches a store.</summary>
    public static bool IsSha256(string sha256) => sha256.Length == 64 && sha256.All(Uri.IsHexDigit);

    /// <summary>
    /// Copies <paramref name="content"/> to a new file under <paramref name="root"/>/tmp; throws
    /// <see cref="MediaTooLargeException"/> past <paramref name="maxBytes"/>, having deleted what it wrote. The caller owns
    /// (and deletes or moves) the file it returns.
    /// </summary>
    public static async Task<SpooledFile> WriteAsync(string root, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(root, "tmp");
        Directory.CreateDirectory(temporary);
        var partial = Path.Combine(temporary, Guid.NewGuid().ToString("N"));
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var head = new List<byte>(HeadLength);
            long size = 0;
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new MediaTooLargeException(maxBytes);
                    }

                    if (head.Count < HeadLength)
                    {
                        head.AddRange(buffer.Take(Math.Min(read, HeadLength - head.Count)));
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            return new SpooledFile(partial, new StoredFile(Convert.ToHexStringLower(hash.GetHashAndReset()), size, [.. head]));
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Removes what writes cut short left behind under <paramref name="root"/>/tmp once older than <paramref name="age"/>.</summary>
    public static void RemoveAbandoned(string root, TimeSpan age)
    {
        var temporary = new DirectoryInfo(Path.Combine(root, "tmp"));
        if (!temporary.Exists)
        {
            return;
        }

        foreach (var file in temporary.EnumerateFiles().Where(f => f.LastWriteTimeUtc < DateTime.UtcNow - age))
        {
            try
            {
                file.Delete();
            }
            catch (IOException)
            {
                // Still being written after all: the next start removes it.
            }
        }
    }
}
