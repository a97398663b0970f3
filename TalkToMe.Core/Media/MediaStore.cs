using Microsoft.Extensions.Options;

namespace TalkToMe.Core.Media;

/// <summary>TalkToMe:Storage: where media files live and how large one may be.</summary>
public sealed class MediaOptions
{
    /// <summary>Where files are kept: the local <see cref="Folder"/>, or a bucket several nodes share (<see cref="S3"/>).</summary>
    public MediaStoreKind Kind { get; set; } = MediaStoreKind.Local;

    /// <summary>TalkToMe:Storage:S3: the bucket, when <see cref="Kind"/> is <see cref="MediaStoreKind.S3"/>.</summary>
    public S3StorageOptions S3 { get; set; } = new();

    /// <summary>
    /// The local folder (default: <c>media/</c> in the data folder, set by the web host); with an S3 bucket, only what an
    /// upload is spooled to on its way there.
    /// </summary>
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

/// <summary>Which <see cref="IMediaStore"/> keeps the files.</summary>
public enum MediaStoreKind
{
    /// <summary><see cref="LocalMediaStore"/>: a folder on this node.</summary>
    Local,

    /// <summary><see cref="S3MediaStore"/>: an S3-compatible bucket, which several nodes can share.</summary>
    S3,
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

    /// <summary>The stored file, or null when the store has no such file (or <paramref name="sha256"/> is no SHA-256).</summary>
    Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Removes what writes cut short left behind (a crash mid-download) once older than <paramref name="age"/>.</summary>
    void RemoveAbandoned(TimeSpan age);
}

/// <summary>
/// The local-folder store: <c>ab/abcdef…</c> under <see cref="MediaOptions.Folder"/>. A file is written to <c>tmp/</c> while it
/// is hashed (<see cref="MediaSpool"/>), then moved into place in one rename, so a reader (or a crash) never sees half a file
/// under a final name.
/// </summary>
public sealed class LocalMediaStore(IOptions<MediaOptions> options) : IMediaStore
{
    private string Root => Path.GetFullPath(options.Value.Folder);

    public async Task<StoredFile> SaveAsync(Stream content, CancellationToken cancellationToken)
    {
        var spooled = await MediaSpool.WriteAsync(Root, content, options.Value.MaxBytes, cancellationToken);
        try
        {
            var final = PathOf(spooled.File.Sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            if (File.Exists(final))
            {
                // The same bytes are stored already (the same photo sent twice): keep the one copy.
                File.Delete(spooled.Path);
            }
            else
            {
                File.Move(spooled.Path, final, overwrite: true);
            }

            return spooled.File;
        }
        catch
        {
            File.Delete(spooled.Path);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        if (!MediaSpool.IsSha256(sha256))
        {
            return Task.FromResult<Stream?>(null);
        }

        var path = PathOf(sha256);
        return Task.FromResult<Stream?>(File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null);
    }

    public void RemoveAbandoned(TimeSpan age) => MediaSpool.RemoveAbandoned(Root, age);

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
