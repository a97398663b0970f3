using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TalkToMe.Core.Media;
using TalkToMe.Tests.Support;
using TalkToMe.Tests.Web.Endpoints;

namespace TalkToMe.Tests.Web.Media;

/// <summary>The app with TalkToMe:Storage:Kind = S3, on a real S3-protocol server on loopback (s3rver).</summary>
public sealed class S3AppFixture : IAsyncLifetime
{
    public const string Prefix = "media/";

    public S3Server Server { get; } = new();
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        App = await TestApp.StartAsync(Server.Settings(Prefix));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Server.DisposeAsync();
    }
}

public class MediaS3Tests(S3AppFixture fixture) : IClassFixture<S3AppFixture>
{
    [Fact]
    public async Task AnInboundFile_IsKeptInTheBucket_AndServedFromIt_WholeOrByRange()
    {
        var (channelId, token) = await ApiChannels.CreateAsync(fixture.App.Services, "API S3");
        // A JPEG's first bytes, then enough to make ranges worth asking for.
        byte[] photo = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8, 0x00, .. RandomNumberGenerator.GetBytes(150_000)];
        using var api = fixture.App.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);

        var posted = await api.PostAsJsonAsync($"api/v1/channels/{channelId}/messages", new
        {
            contact = new { id = "cliente-s3", name = "Cliente" },
            attachments = new[] { new { data = Convert.ToBase64String(photo), contentType = "image/jpeg", fileName = "foto.jpg" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(photo));
        Assert.Contains($"{S3AppFixture.Prefix}{sha256[..2]}/{sha256}", await fixture.Server.KeysAsync(S3AppFixture.Prefix));
        // Nothing kept on this node: only the bucket has it.
        var folder = fixture.App.Services.GetRequiredService<IOptions<MediaOptions>>().Value.Folder;
        Assert.False(File.Exists(Path.Combine(folder, sha256[..2], sha256)));
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "tmp")));

        long id;
        await using (var db = await fixture.App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<TalkToMe.Core.Data.TalkToMeDbContext>>()
            .CreateDbContextAsync())
        {
            id = db.Attachments.Where(a => a.ChannelId == channelId && a.Sha256 == sha256 && a.State == MediaState.Ready).Select(a => a.Id).Single();
        }

        using var agent = fixture.App.CreateClient();
        Assert.Equal(HttpStatusCode.Redirect, (await HostingEndpointTests.SignInAsync(agent, TestApp.AdminEmail, TestApp.AdminPassword)).StatusCode);
        var whole = await agent.GetAsync($"media/{id}");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("image/jpeg", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal(photo.Length, whole.Content.Headers.ContentLength);
        Assert.Equal(photo, await whole.Content.ReadAsByteArrayAsync());

        // What a video player's seek asks for: the app answers it from the bucket as it does from a local file.
        using var range = new HttpRequestMessage(HttpMethod.Get, $"media/{id}");
        range.Headers.Range = new RangeHeaderValue(100_000, 100_999);
        var part = await agent.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(photo[100_000..101_000], await part.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Start_WithS3ButNoBucketOrUrl_StopsNamingWhatIsMissing()
    {
        var folder = Directory.CreateTempSubdirectory("talktome-s3-start-").FullName;
        OptionsValidationException failure;
        try
        {
            failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestApp.StartAsync(new Dictionary<string, string?>
            {
                ["TalkToMe:Storage:Kind"] = "S3",
                ["TalkToMe:Storage:S3:AccessKey"] = "chave",
                ["TalkToMe:Storage:S3:SecretKey"] = "segredo-que-nao-aparece",
            }, Path.Combine(folder, "talktome.db")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }

        Assert.Contains("TalkToMe:Storage:S3:ServiceUrl is required", failure.Message);
        Assert.Contains("TalkToMe:Storage:S3:Bucket is required", failure.Message);
        Assert.DoesNotContain("segredo-que-nao-aparece", failure.Message);
    }
}
