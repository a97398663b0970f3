using System.Security.Cryptography;
using TalkToMe.Core.Media;
using TalkToMe.Tests.Support;
using Opts = Microsoft.Extensions.Options.Options;

namespace TalkToMe.Tests.Core.Media;

/// <summary>
/// The S3 media store streams a large file up and down without holding it. It measures the whole managed heap, so it runs
/// alone, after the parallel suites: tests running beside it allocated up to 14 MB during its 5 seconds in CI.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class S3MediaStoreMemoryTests(S3Server server) : IClassFixture<S3Server>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("talktome-s3-spool-").FullName;
    private readonly string _prefix = $"t{Guid.NewGuid():N}/";

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private S3MediaStore Store() =>
        new(Opts.Create(new MediaOptions { Kind = MediaStoreKind.S3, Folder = _folder, MaxBytes = 100L * 1024 * 1024, S3 = server.Options(_prefix) }));

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
        // Far below the file's 30 MB (about 0.5 MB measured), with room for the runner's own work.
        Assert.True(peak.Growth < 10 * 1024 * 1024, $"The managed heap grew by {peak.Growth / (1024.0 * 1024):0.0} MB");
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
