using System.Security.Cryptography;
using TalkToMe.Core.Media;
using TalkToMe.Tests.Support;
using Opts = Microsoft.Extensions.Options.Options;

namespace TalkToMe.Tests.Core.Media;

/// <summary>
/// The S3 media store against a real S3-protocol server on loopback (s3rver). Each test has its own key prefix and its own
/// local spool folder, so what one finds in the bucket is its own.
/// </summary>
public sealed class S3MediaStoreTests(S3Server server) : IClassFixture<S3Server>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("talktome-s3-spool-").FullName;
    private readonly string _prefix = $"t{Guid.NewGuid():N}/";

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private S3MediaStore Store(long maxBytes = 100L * 1024 * 1024) =>
        new(Opts.Create(new MediaOptions { Kind = MediaStoreKind.S3, Folder = _folder, MaxBytes = maxBytes, S3 = server.Options(_prefix) }));

    private string[] Spooled() => Directory.Exists(Path.Combine(_folder, "tmp")) ? Directory.GetFiles(Path.Combine(_folder, "tmp")) : [];

    [Fact]
    public async Task SaveAsync_ThenOpenReadAsync_ReturnsTheSameBytes()
    {
        using var store = Store();
        var bytes = RandomNumberGenerator.GetBytes(200_000);

        var stored = await store.SaveAsync(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(bytes[..64], stored.Head);
        Assert.Equal([$"{_prefix}{stored.Sha256[..2]}/{stored.Sha256}"], await server.KeysAsync(_prefix));
        Assert.Empty(Spooled());
        await using var read = (await store.OpenReadAsync(stored.Sha256, CancellationToken.None))!;
        Assert.Equal(bytes.Length, read.Length);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task SaveAsync_SameBytesTwice_StoresOneObject()
    {
        using var store = Store();
        var bytes = RandomNumberGenerator.GetBytes(5000);

        var first = await store.SaveAsync(new MemoryStream(bytes), CancellationToken.None);
        var second = await store.SaveAsync(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(first.Sha256, second.Sha256);
        Assert.Single(await server.KeysAsync(_prefix));
        Assert.Empty(Spooled());
    }

    [Fact]
    public async Task SaveAsync_OverMaxBytes_ThrowsAndKeepsNothing()
    {
        using var store = Store(maxBytes: 100_000);

        var refused = await Assert.ThrowsAsync<MediaTooLargeException>(() =>
            store.SaveAsync(new MemoryStream(new byte[100_001]), CancellationToken.None));

        Assert.Equal(100_000, refused.MaxBytes);
        Assert.Empty(await server.KeysAsync(_prefix));
        Assert.Empty(Spooled());
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("../../etc/passwd")]
    [InlineData("")]
    public async Task OpenReadAsync_UnknownOrInvalidHash_IsNull(string sha256)
    {
        using var store = Store();

        Assert.Null(await store.OpenReadAsync(sha256, CancellationToken.None));
    }

    [Fact]
    public async Task OpenReadAsync_SeekThenRead_ReadsFromThere()
    {
        using var store = Store();
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        var stored = await store.SaveAsync(new MemoryStream(bytes), CancellationToken.None);
        await using var read = (await store.OpenReadAsync(stored.Sha256, CancellationToken.None))!;
        var buffer = new byte[1000];

        // What a range request does (Results.Stream seeks, then copies): the tail, then back near the start.
        read.Seek(250_000, SeekOrigin.Begin);
        await read.ReadExactlyAsync(buffer);
        Assert.Equal(bytes[250_000..251_000], buffer);
        read.Position = 10;
        await read.ReadExactlyAsync(buffer);
        Assert.Equal(bytes[10..1010], buffer);
        read.Seek(-500, SeekOrigin.End);
        using var tail = new MemoryStream();
        await read.CopyToAsync(tail);
        Assert.Equal(bytes[^500..], tail.ToArray());
    }

    [Fact]
    public async Task OpenReadAsync_ReadSynchronously_ReturnsTheSameBytes()
    {
        using var store = Store();
        var bytes = RandomNumberGenerator.GetBytes(120_000);
        var stored = await store.SaveAsync(new MemoryStream(bytes), CancellationToken.None);
        await using var read = (await store.OpenReadAsync(stored.Sha256, CancellationToken.None))!;
        using var copy = new MemoryStream();

        // How System.Net.Mail reads an e-mail's attachment (EmailSender).
        read.CopyTo(copy);

        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task SaveAsync_A30MegabyteFile_RoundTripsWithoutHoldingItInMemory()
    {
        using var store = Store();
        const long size = 30L * 1024 * 1024;
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        await using var peak = new PeakHeap();
        var stored = await store.SaveAsync(new GeneratedStream(size, expected), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(expected.GetHashAndReset()), stored.Sha256);
        Assert.Equal(size, stored.Size);
        using var actual = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var read = (await store.OpenReadAsync(stored.Sha256, CancellationToken.None))!)
        {
            var buffer = new byte[81920];
            int count;
            while ((count = await read.ReadAsync(buffer)) > 0)
            {
                actual.AppendData(buffer, 0, count);
            }
        }

        await peak.DisposeAsync();

        Assert.Equal(stored.Sha256, Convert.ToHexStringLower(actual.GetHashAndReset()));
        // Far below the file's 30 MB (about 0.5 MB when run alone), with room for what tests running beside it allocate.
        Assert.True(peak.Growth < 8 * 1024 * 1024, $"The managed heap grew by {peak.Growth / (1024.0 * 1024):0.0} MB");
    }

    /// <summary>
    /// The largest managed heap (after a full collection) seen every 50 ms until disposed, against the one at the start: a
    /// whole file held anywhere (spool, upload, download) would show, as it would be alive.
    /// </summary>
    private sealed class PeakHeap : IAsyncDisposable
    {
        private readonly long _start = GC.GetTotalMemory(forceFullCollection: true);
        private readonly Task _sampling;
        private volatile bool _stopped;
        private long _peak;

        public PeakHeap() => _sampling = Task.Run(async () =>
        {
            while (!_stopped)
            {
                _peak = Math.Max(_peak, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(50);
            }
        });

        public long Growth => _peak - _start;

        public async ValueTask DisposeAsync()
        {
            _stopped = true;
            await _sampling;
        }
    }

    /// <summary><paramref name="length"/> bytes made as they are read (hashed into <paramref name="hash"/>), never held.</summary>
    private sealed class GeneratedStream(long length, IncrementalHash hash) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((_position + i) * 7919 % 251);
            }

            hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
