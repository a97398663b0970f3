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
}
