using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace TalkToMe.Core.Media;

/// <summary>TalkToMe:Storage:S3: an S3-compatible bucket (AWS S3, MinIO, Ceph…). The secret key is never logged or shown.</summary>
public sealed class S3StorageOptions
{
    /// <summary>The endpoint, e.g. <c>https://s3.sa-east-1.amazonaws.com</c> or <c>http://minio:9000</c>.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    /// <summary>The region requests are signed for; S3-compatible servers mostly accept the default.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>With <see cref="SecretKey"/>; when both are empty the AWS SDK's own chain is used (environment, instance role).</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>The bucket in the path (<c>host/bucket/key</c>) rather than in the host name, as MinIO and most servers but AWS need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Put before every key (e.g. <c>talktome/</c>), so the bucket can hold other things too.</summary>
    public string? Prefix { get; set; }
}

/// <summary>Stops the start when TalkToMe:Storage:Kind is S3 without a usable bucket, rather than failing on the first file.</summary>
public sealed class MediaOptionsValidation : IValidateOptions<MediaOptions>
{
    public ValidateOptionsResult Validate(string? name, MediaOptions options)
    {
        if (options.Kind != MediaStoreKind.S3)
        {
            return ValidateOptionsResult.Success;
        }

        var s3 = options.S3;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(s3.ServiceUrl))
        {
            failures.Add("TalkToMe:Storage:S3:ServiceUrl is required when TalkToMe:Storage:Kind is S3 (e.g. https://s3.sa-east-1.amazonaws.com).");
        }
        else if (!Uri.TryCreate(s3.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"TalkToMe:Storage:S3:ServiceUrl has \"{s3.ServiceUrl}\", which is not an http(s) URL.");
        }

        if (string.IsNullOrWhiteSpace(s3.Bucket))
        {
            failures.Add("TalkToMe:Storage:S3:Bucket is required when TalkToMe:Storage:Kind is S3.");
        }

        if (string.IsNullOrEmpty(s3.AccessKey) != string.IsNullOrEmpty(s3.SecretKey))
        {
            failures.Add("TalkToMe:Storage:S3:AccessKey and SecretKey are set together, or neither (the AWS SDK's own credentials).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// The S3-compatible store: the same content addressing as <see cref="LocalMediaStore"/>, as the key <c>{prefix}ab/abcdef…</c>,
/// so the nodes that share a bucket share every file. An upload is spooled to the local <c>tmp/</c> first
/// (<see cref="MediaSpool"/>), as its key is its hash and known only at the end, then sent from that file only when the
/// bucket does not have the object yet; the spooled file is always deleted.
/// </summary>
public sealed class S3MediaStore(IOptions<MediaOptions> options) : IMediaStore, IDisposable
{
    private readonly AmazonS3Client _client = CreateClient(options.Value.S3);

    private string Bucket => options.Value.S3.Bucket!;

    private string Spool => Path.GetFullPath(options.Value.Folder);

    public async Task<StoredFile> SaveAsync(Stream content, CancellationToken cancellationToken)
    {
        var spooled = await MediaSpool.WriteAsync(Spool, content, options.Value.MaxBytes, cancellationToken);
        try
        {
            var key = KeyOf(spooled.File.Sha256);
            // The same bytes are stored already (the same photo sent twice, or by another node): keep the one copy. Two
            // nodes storing the same new file at once both put it; the bytes, and so the object, are the same.
            if (!await ExistsAsync(key, cancellationToken))
            {
                await using var file = new FileStream(spooled.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
                await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    InputStream = file,
                    AutoCloseStream = false,
                    ContentType = MediaSniffer.Binary,
                    // A plain body with its Content-Length: S3-compatible servers that predate SDK v4 refuse aws-chunked.
                    UseChunkEncoding = false,
                }, cancellationToken);
            }

            return spooled.File;
        }
        finally
        {
            File.Delete(spooled.Path);
        }
    }

    public async Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        if (!MediaSpool.IsSha256(sha256))
        {
            return null;
        }

        var key = KeyOf(sha256);
        try
        {
            return new S3ObjectStream(_client, Bucket, key, await _client.GetObjectAsync(Bucket, key, cancellationToken));
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Only the local spool: an object in the bucket is complete or absent, never half written.</summary>
    public void RemoveAbandoned(TimeSpan age) => MediaSpool.RemoveAbandoned(Spool, age);

    public void Dispose() => _client.Dispose();

    private string KeyOf(string sha256) => $"{options.Value.S3.Prefix}{sha256[..2]}/{sha256}";

    private async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetObjectMetadataAsync(Bucket, key, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static AmazonS3Client CreateClient(S3StorageOptions s3)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = s3.ServiceUrl,
            ForcePathStyle = s3.ForcePathStyle,
            AuthenticationRegion = s3.Region,
            // SDK v4 adds CRC checksums (as aws-chunked trailers) to every request and checks them on every answer by
            // default, which older S3-compatible servers do not understand; the key is the content's own SHA-256 anyway.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        return string.IsNullOrEmpty(s3.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), config);
    }
}

/// <summary>
/// An object read from the bucket as it arrives, never held whole. Seekable, so a range request (a video scrubbed, a voice
/// note replayed from the middle) is served as from the local store: a seek away from where the body is closes it, and the
/// next read asks the bucket for the rest from there.
/// </summary>
internal sealed class S3ObjectStream(IAmazonS3 client, string bucket, string key, GetObjectResponse first) : Stream
{
    private GetObjectResponse? _response = first;
    private long _bodyPosition;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length { get; } = first.ContentLength;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        return _position = target;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= Length)
        {
            return 0;
        }

        if (_response is null || _bodyPosition != _position)
        {
            _response?.Dispose();
            _response = null;
            _response = await client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = bucket,
                Key = key,
                ByteRange = new ByteRange(_position, Length - 1),
            }, cancellationToken);
            _bodyPosition = _position;
        }

        var read = await _response.ResponseStream.ReadAsync(buffer, cancellationToken);
        _position += read;
        _bodyPosition += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // System.Net.Mail reads an attachment synchronously; the SDK has only asynchronous calls.
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _response?.Dispose();
            _response = null;
        }

        base.Dispose(disposing);
    }
}
