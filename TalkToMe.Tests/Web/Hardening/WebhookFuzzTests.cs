using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Tests.Support;
using Xunit.Abstractions;

namespace TalkToMe.Tests.Web.Hardening;

/// <summary>
/// Generated malformed requests at every public endpoint (the 7 JSON ones, Twilio's and Mailgun's forms, the Meta verify
/// handshakes and the widget config), most with valid credentials so they reach the parsers: none may answer 5xx and none
/// may create a conversation or a message. Every request is broken in a way that must keep it out of the inbox (a required
/// field removed or of the wrong type, a body that is not JSON, wrong credentials), with random noise on top.
/// </summary>
public class WebhookFuzzTests(ProviderFixture fixture, ITestOutputHelper output) : IClassFixture<ProviderFixture>
{
    private const int Requests = 10_000;

    [Fact]
    public async Task TenThousandMalformedRequests_NoServerErrorAndNothingStored()
    {
        var channels = await HardeningChannels.CreateAsync(fixture);
        var (conversationsBefore, messagesBefore) = await CountsAsync();
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(fixture.App.BaseUrl + "/") };
        var watch = Stopwatch.StartNew();

        await Parallel.ForAsync(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var random = new Random(seed + i);
            var (request, label) = Generate(random, channels);
            using (request)
            {
                using var response = await client.SendAsync(request, cancellationToken);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Enqueue($"#{i} {label}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
        });

        output.WriteLine($"{Requests} requests in {watch.Elapsed.TotalSeconds:0.0} s; " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(failures.IsEmpty, $"seed {seed}: {failures.Count} answers 5xx, e.g.\n" + string.Join("\n", failures.Take(10)));
        Assert.Equal((conversationsBefore, messagesBefore), await CountsAsync());
    }

    private async Task<(int Conversations, int Messages)> CountsAsync()
    {
        await using var db = await fixture.Db.CreateDbContextAsync();
        return (await db.Conversations.CountAsync(), await db.Messages.CountAsync());
    }

    private static (HttpRequestMessage Request, string Label) Generate(Random random, HardeningChannels channels)
    {
        var pick = random.Next(100);
        if (pick < 70)
        {
            var endpoint = HardeningChannels.JsonEndpoints[random.Next(HardeningChannels.JsonEndpoints.Length)];
            var (body, how) = MalformedJson(random, endpoint);
            var request = channels.SignedJson(endpoint, body);
            if (random.Next(10) == 0)
            {
                // Right body, wrong credentials.
                request.Headers.Remove(request.Headers.Contains("Authorization") ? "Authorization" : request.Headers.First().Key);
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Convert.ToHexString(RandomBytes(random, 12)));
                how += " +bad credentials";
            }

            if (random.Next(8) == 0)
            {
                request.Content!.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(
                    random.Next(2) == 0 ? "multipart/form-data" : "text/plain");
            }

            return (request, $"{endpoint} {how}");
        }

        if (pick < 80)
        {
            return (MalformedSms(random, channels), "sms");
        }

        if (pick < 90)
        {
            return (MalformedMailgun(random, channels), "mailgun");
        }

        if (pick < 95)
        {
            var path = random.Next(2) == 0 ? HardeningChannels.WhatsAppPath(channels.WhatsApp) : HardeningChannels.MetaPath(channels.Instagram);
            return (new HttpRequestMessage(HttpMethod.Get,
                $"{path}?hub.mode={Uri.EscapeDataString(RandomText(random, 8))}&hub.verify_token={Uri.EscapeDataString(RandomText(random, 8))}&hub.challenge={Uri.EscapeDataString(RandomText(random, 300))}"), "verify");
        }

        // Unknown keys and garbage at every route shape.
        var garbage = Uri.EscapeDataString(RandomText(random, random.Next(1, 150)));
        var routes = new[] { "webhooks/telegram/", "webhooks/whatsapp/", "webhooks/facebook/", "webhooks/instagram/", "webhooks/line/", "webhooks/sms/", "webhooks/email/", "widget/" };
        var route = routes[random.Next(routes.Length)];
        return route == "widget/"
            ? (new HttpRequestMessage(HttpMethod.Get, $"widget/{garbage}/config"), "widget")
            : (new HttpRequestMessage(HttpMethod.Post, route + garbage) { Content = new ByteArrayContent(RandomBytes(random, 200)) }, "unknown key");
    }

    /// <summary>A body for <paramref name="endpoint"/> that must not be stored: broken JSON, or valid JSON with a required field broken.</summary>
    private static (byte[] Body, string How) MalformedJson(Random random, string endpoint)
    {
        var node = Template(endpoint, random);
        var required = RequiredPaths(endpoint);
        var broken = required[random.Next(required.Length)];
        var path = broken.Split('.');
        var parent = Navigate(node, path[..^1]);
        if (random.Next(3) == 0)
        {
            parent.AsObject().Remove(path[^1]);
        }
        else
        {
            parent[path[^1]] = WrongType(random, numeric: broken is "update_id" or "message.chat.id");
        }

        if (endpoint == "postmark")
        {
            // The sender has two places: both go, so no mail can be built.
            node.AsObject().Remove("From");
            if (broken != "FromFull")
            {
                node["FromFull"] = WrongType(random, numeric: false);
            }
        }

        foreach (var optional in OptionalNumbers(endpoint))
        {
            if (random.Next(2) == 0)
            {
                var optionalPath = optional.Split('.');
                if (TryNavigate(node, optionalPath[..^1]) is JsonObject holder)
                {
                    holder[optionalPath[^1]] = random.Next(3) == 0 ? JsonValue.Create(99999999999999) : WrongType(random, numeric: false);
                }
            }
        }

        var text = node.ToJsonString();
        var how = $"broken {broken}";
        switch (random.Next(8))
        {
            case 0:
                text = InsertIntoAString(random, text, "\\ud800");
                how += " +lone surrogate";
                break;
            case 1:
                var at = text.IndexOf("\":\"", StringComparison.Ordinal);
                if (at > 0)
                {
                    var bytes = Encoding.UTF8.GetBytes(text[..(at + 3)]).Concat(RandomBytes(random, 4).Select(b => (byte)(b | 0x80)))
                        .Concat(Encoding.UTF8.GetBytes(text[(at + 3)..])).ToArray();
                    return (bytes, how + " +invalid UTF-8");
                }

                break;
            case 2:
                text = text[..random.Next(text.Length)];
                how = "truncated";
                break;
            case 3:
                text = new string('[', 70 + random.Next(200)) + new string(']', 70);
                how = "deep nesting";
                break;
            case 4:
                return (RandomBytes(random, random.Next(0, 400)), "random bytes");
            case 5:
                text = new[] { "null", "1", "\"x\"", "[]", "[{}]", "true", "", "{}", "1e999" }[random.Next(9)];
                how = "not an object: " + text;
                break;
        }

        return (Encoding.UTF8.GetBytes(text), how);
    }

    private static JsonNode Template(string endpoint, Random random)
    {
        var id = "fz" + random.NextInt64();
        var text = RandomText(random, random.Next(1, 40));
        return endpoint switch
        {
            "api" => new JsonObject { ["id"] = id, ["contact"] = new JsonObject { ["id"] = "c" + random.Next(100), ["name"] = "Fuzz" }, ["text"] = text },
            "telegram" => new JsonObject
            {
                ["update_id"] = random.Next(),
                ["message"] = new JsonObject { ["message_id"] = 1, ["date"] = 1790000000, ["chat"] = new JsonObject { ["id"] = random.Next(1, 1000) }, ["text"] = text },
            },
            "whatsapp" => JsonNode.Parse($$$"""{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"from":"5511","id":"{{{id}}}","timestamp":"1790000000","type":"text","text":{"body":"x"}}],"statuses":[]}}]}]}""")!,
            "facebook" or "instagram" => JsonNode.Parse($$$"""{"object":"{{{(endpoint == "instagram" ? "instagram" : "page")}}}","entry":[{"id":"1","messaging":[{"sender":{"id":"77"},"recipient":{"id":"1"},"timestamp":1790000000000,"message":{"mid":"{{{id}}}","text":"x"}}]}]}""")!,
            "line" => JsonNode.Parse($$$"""{"events":[{"type":"message","webhookEventId":"{{{id}}}","timestamp":1790000000000,"source":{"type":"user","userId":"U1"},"message":{"id":"1","type":"text","text":"x"}}]}""")!,
            _ => JsonNode.Parse($$$"""{"FromFull":{"Email":"maria@cliente.example"},"From":"maria@cliente.example","Subject":"s","TextBody":"x","Headers":[{"Name":"Message-ID","Value":"<{{{id}}}@x>"}],"Attachments":[{"Name":"a.pdf","ContentLength":12}]}""")!,
        };
    }

    /// <summary>Fields without which (or with the wrong type of which) the message cannot be stored.</summary>
    private static string[] RequiredPaths(string endpoint) => endpoint switch
    {
        "api" => ["contact.id", "text", "contact"],
        "telegram" => ["update_id", "message.chat.id", "message.chat"],
        "whatsapp" => ["entry.0.changes.0.value.messages.0.from", "entry.0.changes.0.value.messages.0.id", "entry.0.changes.0.value.messages.0.type", "entry.0.changes.0.value.messages.0.text.body"],
        "facebook" or "instagram" => ["entry.0.messaging.0.sender.id", "entry.0.messaging.0.message.mid", "entry.0.messaging.0.sender", "object"],
        "line" => ["events.0.webhookEventId", "events.0.message.text", "events.0.type"],
        _ => ["FromFull"],
    };

    /// <summary>Numbers a parser reads but can do without: any type or size must leave them "missing", never throw.</summary>
    private static string[] OptionalNumbers(string endpoint) => endpoint switch
    {
        "telegram" => ["message.date"],
        "whatsapp" => ["entry.0.changes.0.value.messages.0.timestamp"],
        "facebook" or "instagram" => ["entry.0.messaging.0.timestamp"],
        "line" => ["events.0.timestamp"],
        "postmark" => ["Attachments.0.ContentLength"],
        _ => [],
    };

    private static JsonNode Navigate(JsonNode node, string[] path) => TryNavigate(node, path) ?? throw new InvalidOperationException(string.Join('.', path));

    private static JsonNode? TryNavigate(JsonNode? node, string[] path)
    {
        foreach (var step in path)
        {
            node = node switch
            {
                JsonArray array when int.TryParse(step, out var index) && index < array.Count => array[index],
                JsonObject obj => obj[step],
                _ => null,
            };
        }

        return node;
    }

    private static JsonNode? WrongType(Random random, bool numeric) => random.Next(numeric ? 9 : 7) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => new JsonArray(JsonValue.Create("x")),
        3 => new JsonObject { ["a"] = 1 },
        4 => new JsonArray(),
        5 => numeric ? JsonValue.Create("123") : JsonValue.Create(random.NextInt64()),
        6 => numeric ? JsonValue.Create(1.5) : JsonValue.Create(-0.0),
        7 => JsonNode.Parse("1e400"),
        _ => JsonNode.Parse("99999999999999999999999"),
    };

    private static string InsertIntoAString(Random random, string json, string escape)
    {
        var quotes = new List<int>();
        for (var i = json.IndexOf("\":\"", StringComparison.Ordinal); i >= 0; i = json.IndexOf("\":\"", i + 1, StringComparison.Ordinal))
        {
            quotes.Add(i + 3);
        }

        return quotes.Count == 0 ? json + escape : json.Insert(quotes[random.Next(quotes.Count)], escape);
    }

    private static HttpRequestMessage MalformedSms(Random random, HardeningChannels channels)
    {
        var fields = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM" + random.NextInt64(),
            ["AccountSid"] = "AC1",
            ["From"] = "+55119" + random.Next(10000000, 99999999),
            ["Body"] = RandomText(random, random.Next(0, 30)),
            ["NumMedia"] = new[] { "0", "-1", "x", "99999999999999999999", "" }[random.Next(5)],
        };
        // A required field goes, or the sender's account is another one, or the signature is wrong.
        switch (random.Next(4))
        {
            case 0:
                fields.Remove("MessageSid");
                break;
            case 1:
                fields.Remove("From");
                break;
            case 2:
                fields["AccountSid"] = "AC-other";
                break;
            default:
                return channels.SignedSms(fields, sign: false);
        }

        return channels.SignedSms(fields);
    }

    private static HttpRequestMessage MalformedMailgun(Random random, HardeningChannels channels)
    {
        var fields = new Dictionary<string, string>
        {
            ["subject"] = RandomText(random, 10),
            ["body-plain"] = RandomText(random, 30),
            ["message-headers"] = new[] { "[[\"Message-Id\",\"<x@y>\"]]", "{not json", "[1,2]", "\"\\ud800\"", "" }[random.Next(5)],
        };
        switch (random.Next(3))
        {
            case 0:
                // No sender (or no address in it): nothing to store.
                if (random.Next(2) == 0)
                {
                    fields["from"] = RandomText(random, 12);
                }

                return channels.SignedMailgun(fields);
            case 1:
                fields["from"] = "maria@cliente.example";
                return channels.SignedMailgun(fields, sign: false);
            default:
                fields["from"] = "maria@cliente.example";
                var request = channels.SignedMailgun(fields);
                // A signature made with another key.
                var form = fields.ToDictionary();
                form["signature"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(form["token"])));
                request.Content = new FormUrlEncodedContent(form);
                return request;
        }
    }

    private static string RandomText(Random random, int length)
    {
        const string alphabet = "abcXYZ019 çãé\"\\{}[]<>&%/:+-_.\u00a0\u200b\U0001F600";
        var builder = new StringBuilder(length);
        while (builder.Length < length)
        {
            var at = random.Next(alphabet.Length);
            builder.Append(char.IsHighSurrogate(alphabet[at]) && at + 1 < alphabet.Length ? alphabet.Substring(at, 2) : alphabet[at].ToString());
        }

        return builder.ToString();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
