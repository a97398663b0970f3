using TalkToMe.Core.Channels;

namespace TalkToMe.Tests.Core.Channels;

public class TextPartsTests
{
    [Fact]
    public void Split_ShortText_IsOnePart()
    {
        Assert.Equal(["Olá"], TextParts.Split("Olá", 4096));
    }

    [Fact]
    public void Split_LongText_BreaksAtWordsAndKeepsEveryWord()
    {
        var text = string.Join(' ', Enumerable.Range(0, 3000).Select(i => $"w{i}"));

        var parts = TextParts.Split(text, 4096);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(p.Length <= 4096));
        Assert.Equal(text, string.Join(' ', parts));
    }

    [Fact]
    public void Split_NoSpaces_NeverCutsASurrogatePair()
    {
        var text = "a" + string.Concat(Enumerable.Repeat("😀", 10));

        var parts = TextParts.Split(text, 4);

        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void SplitUtf8_TextWithinTheByteLimit_IsOnePart()
    {
        var text = new string('ç', 500); // 1000 bytes exactly

        Assert.Equal([text], TextParts.SplitUtf8(text, 1000));
    }

    [Fact]
    public void SplitUtf8_AccentedWords_BreaksAtWordsWithinTheByteLimit()
    {
        var text = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"coração{i}"));

        var parts = TextParts.SplitUtf8(text, 1000);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(p), 1, 1000));
        Assert.Equal(text, string.Join(' ', parts));
    }

    [Fact]
    public void SplitUtf8_MixedWidthsWithoutSpaces_NeverCutsACharacter()
    {
        var text = string.Concat(Enumerable.Repeat("aé€😀", 50)); // 1 + 2 + 3 + 4 bytes

        var parts = TextParts.SplitUtf8(text, 16);

        Assert.All(parts, p =>
        {
            Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(p), 1, 16);
            Assert.False(char.IsHighSurrogate(p[^1]));
            Assert.False(char.IsLowSurrogate(p[0]));
        });
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void Prefix_NeverEndsInsideASurrogatePair()
    {
        var text = new string('a', 9) + "😀b";

        Assert.Equal(new string('a', 9), TextParts.Prefix(text, 10));
        Assert.Equal(new string('a', 9) + "😀", TextParts.Prefix(text, 11));
        Assert.Equal("abc", TextParts.Prefix("abc", 10));
    }

    [Fact]
    public void Preview_OfALongEmojiMessage_CutsBetweenCharacters()
    {
        // 139 units would end on the first half of the 70th emoji: the preview keeps 69 whole ones.
        var preview = TalkToMe.Core.Conversations.Conversation.Shorten(string.Concat(Enumerable.Repeat("😀", 100)));

        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 69)) + "…", preview);
    }
}
