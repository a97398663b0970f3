using System.Text.Json;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Messaging;
using TalkToMe.Core.Realtime;

namespace TalkToMe.Tests.Core.Realtime;

/// <summary>
/// MessageAdded crosses process boundaries as JSON: to other nodes through Redis (default options) and to hub clients
/// (camelCase). Its message fields must survive both, the enums as names.
/// </summary>
public sealed class MessageAddedJsonTests
{
    private static readonly MessageAdded Added = new(7, 3, 42)
    {
        Text = "Nota interna",
        Private = true,
        Kind = MessageKind.PrivateNote,
        Direction = MessageDirection.Outgoing,
        SenderType = SenderType.Agent,
        SenderName = "Ana",
        DeliveryStatus = DeliveryStatus.None,
        CreatedAt = new DateTime(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc),
        ConversationStatus = ConversationStatus.Pending,
    };

    [Fact]
    public void Serialize_BetweenNodes_RoundTripsEveryField()
    {
        var back = JsonSerializer.Deserialize<MessageAdded>(JsonSerializer.Serialize(Added));

        Assert.Equal(Added, back);
    }

    [Fact]
    public void Serialize_ForHubClients_WritesCamelCaseAndEnumNames()
    {
        var json = JsonSerializer.SerializeToElement(Added, new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.Equal("PrivateNote", json.GetProperty("kind").GetString());
        Assert.Equal("Outgoing", json.GetProperty("direction").GetString());
        Assert.Equal("Agent", json.GetProperty("senderType").GetString());
        Assert.Equal("Pending", json.GetProperty("conversationStatus").GetString());
        Assert.Equal("Nota interna", json.GetProperty("text").GetString());
        Assert.True(json.GetProperty("private").GetBoolean());
    }

    [Fact]
    public void Serialize_AnEventWithIdsOnly_WritesNullsAndReadsBack()
    {
        var idsOnly = new MessageAdded(1, 2, 3);

        var json = JsonSerializer.Serialize(idsOnly);

        Assert.Equal(idsOnly, JsonSerializer.Deserialize<MessageAdded>(json));
        Assert.Equal(JsonValueKind.Null, JsonSerializer.SerializeToElement(idsOnly).GetProperty("Kind").ValueKind);
    }
}
