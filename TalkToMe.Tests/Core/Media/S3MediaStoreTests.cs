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
}
