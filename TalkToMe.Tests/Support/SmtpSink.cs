using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace TalkToMe.Tests.Support;

/// <summary>One mail the sink accepted: the envelope and the raw message, with its headers unfolded and decoded.</summary>
public sealed partial record ReceivedMail(string MailFrom, IReadOnlyList<string> RcptTo, string Raw)
{
    [GeneratedRegex(@"=\?([^?]+)\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    /// <summary>A header's value (first occurrence, RFC 2047 encoded words decoded), or null.</summary>
    public string? Header(string name)
    {
        var head = Raw.Split("\r\n\r\n", 2)[0];
        var unfolded = Regex.Replace(head, @"\r\n[ \t]+", " ");
        foreach (var line in unfolded.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                var value = line[(colon + 1)..].Trim();
                // Whitespace between adjacent encoded words is not part of the text (RFC 2047 §6.2).
                return EncodedWord().Replace(Regex.Replace(value, @"\?=\s+=\?", "?==?"), m => Decode(m));
            }
        }

        return null;
    }

    /// <summary>The text body, transfer encoding (base64 / quoted-printable) undone.</summary>
    public string Body
    {
        get
        {
            var body = Raw.Split("\r\n\r\n", 2)[1];
            var encoding = Header("Content-Transfer-Encoding")?.ToLowerInvariant();
            if (encoding == "base64")
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(body.Replace("\r\n", "")));
            }

            if (encoding == "quoted-printable")
            {
                var joined = body.Replace("=\r\n", "");
                var bytes = new List<byte>();
                for (var i = 0; i < joined.Length; i++)
                {
                    if (joined[i] == '=' && i + 2 < joined.Length && Uri.IsHexDigit(joined[i + 1]) && Uri.IsHexDigit(joined[i + 2]))
                    {
                        bytes.Add(Convert.ToByte(joined.Substring(i + 1, 2), 16));
                        i += 2;
                    }
                    else
                    {
                        bytes.AddRange(Encoding.UTF8.GetBytes(joined[i].ToString()));
                    }
                }

                return Encoding.UTF8.GetString(bytes.ToArray());
            }

            return body;
        }
    }

    private static string Decode(Match word)
    {
        var text = word.Groups[3].Value;
        if (word.Groups[2].Value is "B" or "b")
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }

        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '=' && i + 2 < text.Length)
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add(text[i] == '_' ? (byte)' ' : (byte)text[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

/// <summary>
/// A minimal SMTP server (RFC 5321: EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT; no TLS, no AUTH) on 127.0.0.1
/// that records every mail. It can refuse the next connections with 421 (server "down") or a recipient with 550.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedMail> _mails = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _loop;
    private int _refuseConnections;

    public SmtpSink()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public int Connections { get; private set; }

    /// <summary>Recipients refused with 550 (permanent).</summary>
    public HashSet<string> RejectedRecipients { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<ReceivedMail> Mails
    {
        get
        {
            lock (_mails)
            {
                return _mails.ToList();
            }
        }
    }

    /// <summary>The next <paramref name="count"/> connections get "421 Service not available" and are closed.</summary>
    public void RefuseNextConnections(int count) => Interlocked.Exchange(ref _refuseConnections, count);

    public async Task<IReadOnlyList<ReceivedMail>> WaitForMailsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Mails.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                Assert.Fail($"The SMTP sink received {Mails.Count} mail(s), expected {count}.");
            }
        }

        return Mails;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        Connections++;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
        try
        {
            if (Interlocked.Decrement(ref _refuseConnections) >= 0)
            {
                await writer.WriteLineAsync("421 4.3.2 Service not available, closing transmission channel");
                return;
            }

            await writer.WriteLineAsync("220 localhost TalkToMe test SMTP sink");
            string? from = null;
            var to = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-localhost");
                        await writer.WriteLineAsync("250-8BITMIME");
                        await writer.WriteLineAsync("250 SMTPUTF8");
                        break;
                    case "HELO":
                        await writer.WriteLineAsync("250 localhost");
                        break;
                    case "MAIL":
                        from = Address(line);
                        to.Clear();
                        await writer.WriteLineAsync("250 2.1.0 OK");
                        break;
                    case "RCPT":
                        var recipient = Address(line);
                        if (RejectedRecipients.Contains(recipient))
                        {
                            await writer.WriteLineAsync("550 5.1.1 Mailbox unavailable: no such user");
                        }
                        else
                        {
                            to.Add(recipient);
                            await writer.WriteLineAsync("250 2.1.5 OK");
                        }

                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var raw = new StringBuilder();
                        while (await reader.ReadLineAsync(_stop.Token) is { } data && data != ".")
                        {
                            raw.Append(data.StartsWith("..", StringComparison.Ordinal) ? data[1..] : data).Append("\r\n");
                        }

                        lock (_mails)
                        {
                            _mails.Add(new ReceivedMail(from ?? "", to.ToList(), raw.ToString()));
                        }

                        _arrived.Release();
                        await writer.WriteLineAsync("250 2.0.0 OK queued");
                        break;
                    case "RSET":
                        from = null;
                        to.Clear();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Command not implemented");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the sink is stopping.
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<');
        var end = line.IndexOf('>', start + 1);
        return start >= 0 && end > start ? line[(start + 1)..end] : line.Split(':', 2).Last().Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
