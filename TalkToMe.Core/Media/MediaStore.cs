using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace TalkToMe.Core.Media;

/// <summary>TalkToMe:Storage: where media files live and how large one may be.</summary>
public sealed class MediaOptions
{
    /// <summary>The local folder (default: <c>media/</c> in the data folder, set by the web host).</summary>
    public string Folder { get; set; } = Path.Combine("App_Data", "media");

    /// <summary>A file larger than this is refused (WhatsApp's own largest documents are 100 MB).</summary>
    public long MaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The first retry's wait after a failed download; later ones are longer (<see cref="MediaDownloader"/>).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether an API channel's attachment URL may point into this server's own network (tests on loopback).</summary>
    public bool AllowPrivateUrls { get; set; }

    /// <summary>How long one download from a provider may take, look-ups included.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a signed public link to an agent's file stays valid (<see cref="IMediaLinks"/>): a day, since LINE and Meta
    /// may fetch a file again some time after it was sent, while a leaked link still stops working.
    /// </summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>A file now in the store: its name there (the SHA-256 of its bytes), its size and its first bytes (for sniffing).</summary>
public sealed record StoredFile(string Sha256, long Size, byte[] Head);

public sealed class MediaTooLargeException(long maxBytes)
    : Exception($"O arquivo passa do limite de {MediaSize.Format(maxBytes)}.")
{
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>
/// Where media bytes live. Content-addressed: a file's name is the SHA-256 of its bytes, so a file received twice is stored
/// once and a stored file never changes. Streams in and out; never holds a whole file in memory.
/// </summary>
public interface IMediaStore
{
    /// <summary>Copies <paramref name="content"/> into the store; throws <see cref="MediaTooLargeException"/> past the limit (nothing kept).</summary>
    Task<StoredFile> SaveAsync(Stream content, CancellationToken cancellationToken);

    /// <summary>The stored file, or null when the store has no such file.</summary>
    Stream? OpenRead(string sha256);

    /// <summary>Removes what writes cut short left behind (a crash mid-download) once older than <paramref name="age"/>.</summary>
    void RemoveAbandoned(TimeSpan age);
}

/// <summary>
/// The local-folder store: <c>ab/abcdef…</c> under <see cref="MediaOptions.Folder"/>. A file is written to <c>tmp/</c> while it
/// is hashed, then moved into place in one rename, so a reader (or a crash) never sees half a file under a final name.
/// </summary>
public sealed class LocalMediaStore(IOptions<MediaOptions> options) : IMediaStore
{
    private const int HeadLength = 64;

    private string Root => Path.GetFullPath(options.Value.Folder);

    public async Task<StoredFile> SaveAsync(Stream content, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxBytes;
        var temporary = Path.Combine(Root, "tmp");
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

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            var final = PathOf(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            if (File.Exists(final))
            {
                // The same bytes are stored already (the same photo sent twice): keep the one copy.
                File.Delete(partial);
            }
            else
            {
                File.Move(partial, final, overwrite: true);
            }

            return new StoredFile(sha256, size, [.. head]);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    public Stream? OpenRead(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            return null;
        }

        var path = PathOf(sha256);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null;
    }

    public void RemoveAbandoned(TimeSpan age)
    {
        var temporary = new DirectoryInfo(Path.Combine(Root, "tmp"));
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

    private string PathOf(string sha256) => Path.Combine(Root, sha256[..2], sha256);
}

public static class MediaSize
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        >= 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} B",
    };
}
