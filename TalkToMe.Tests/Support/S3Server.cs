using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using TalkToMe.Core.Media;

namespace TalkToMe.Tests.Support;

/// <summary>
/// A real S3-protocol server on 127.0.0.1: s3rver (npm, pinned in TalkToMe.Tests/S3/package.json, installed by ./test.sh)
/// run by node with TalkToMe.Tests/S3/launch.js, keeping its objects in a temporary folder, with one bucket,
/// <see cref="Bucket"/>. Stopped and its folder deleted when disposed.
/// </summary>
public sealed class S3Server : IAsyncLifetime
{
    public const string Bucket = "talktome";
    public const string AccessKey = "S3RVER";
    // s3rver's own test credentials: it checks the signature against this pair.
    public const string SecretKey = "S3RVER";

    private Process? _node;
    private string _directory = null!;

    public string ServiceUrl { get; private set; } = null!;

    /// <summary>TalkToMe:Storage settings for the app that point at this server (the keys of <see cref="MediaOptions"/>).</summary>
    public Dictionary<string, string?> Settings(string prefix = "") => new()
    {
        ["TalkToMe:Storage:Kind"] = "S3",
        ["TalkToMe:Storage:S3:ServiceUrl"] = ServiceUrl,
        ["TalkToMe:Storage:S3:Bucket"] = Bucket,
        ["TalkToMe:Storage:S3:AccessKey"] = AccessKey,
        ["TalkToMe:Storage:S3:SecretKey"] = SecretKey,
        ["TalkToMe:Storage:S3:Prefix"] = prefix,
    };

    public S3StorageOptions Options(string prefix = "") => new()
    {
        ServiceUrl = ServiceUrl,
        Bucket = Bucket,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        Prefix = prefix,
    };

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("talktome-s3-").FullName;
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(LauncherPath());
        start.ArgumentList.Add(_directory);
        start.ArgumentList.Add(Bucket);
        _node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = _node.StandardError.ReadToEndAsync();
        var line = await _node.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"s3rver did not start: {line} {await errors.WaitAsync(TimeSpan.FromSeconds(5))}");
        }

        ServiceUrl = $"http://127.0.0.1:{line["listening ".Length..]}";
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            if (!_node.HasExited)
            {
                _node.Kill(entireProcessTree: true);
            }

            await _node.WaitForExitAsync();
            _node.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A client of the test's own, to look into the bucket apart from the app.</summary>
    private AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>The keys under <paramref name="prefix"/>, in order.</summary>
    public async Task<List<string>> KeysAsync(string prefix = "")
    {
        using var client = Client();
        var response = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix });
        return [.. (response.S3Objects ?? []).Select(o => o.Key).Order()];
    }

    private static string LauncherPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "TalkToMe.Tests", "S3");
            if (File.Exists(Path.Combine(folder, "node_modules", "s3rver", "package.json")))
            {
                return Path.Combine(folder, "launch.js");
            }
        }

        throw new InvalidOperationException("s3rver is not installed: run ./test.sh (it runs npm install in TalkToMe.Tests/S3).");
    }
}
