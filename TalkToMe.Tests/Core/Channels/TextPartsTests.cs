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
}
