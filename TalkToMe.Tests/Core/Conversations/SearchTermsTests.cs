using TalkToMe.Core.Conversations.Search;

namespace TalkToMe.Tests.Core.Conversations;

public class SearchTermsTests
{
    [Fact]
    public void Parse_FoldsCaseAndAccents_KeepsWordsOnly()
    {
        var terms = SearchTerms.Parse("  João, CONCEIÇÃO!! \"pedido\"* joão ");

        Assert.Equal(["joao", "conceicao", "pedido"], terms.Words);
        Assert.Equal("\"joao\"* AND \"conceicao\"* AND \"pedido\"*", terms.ToFts5());
        Assert.Equal("Content : \"joao\"* AND Content : \"conceicao\"* AND Content : \"pedido\"*", terms.ToFts5("Content"));
        Assert.Equal("joao:* & conceicao:* & pedido:*", terms.ToTsQuery());
        Assert.True(SearchTerms.Parse("?! 😀").IsEmpty);
    }

    [Fact]
    public void Highlight_MarksTheBeginningOfEachMatchingWord_InTheOriginalText()
    {
        var runs = SearchTerms.Parse("joa ped").Highlight("João fez o Pedido 12; pedidos não, Joana?");

        Assert.Equal(
            [("Joã", true), ("o fez o ", false), ("Ped", true), ("ido 12; ", false), ("ped", true), ("idos não, ", false), ("Joa", true), ("na?", false)],
            runs);
    }

    [Fact]
    public void Highlight_WithoutTerms_IsTheTextUnmarked()
    {
        Assert.Equal([("Olá 😀", false)], SearchTerms.Parse("").Highlight("Olá 😀"));
        Assert.Empty(SearchTerms.Parse("x").Highlight(null));
    }

    [Fact]
    public void IsIn_IsTrueWhenEveryWordBeginsAWordOfTheText_InAnyCaseAndWithOrWithoutAccents()
    {
        var terms = SearchTerms.Parse("Pedido ATRASADO entregue");

        Assert.True(terms.IsIn("Meu pedido está ATRASADO? Foi entregue-ontem"));
        Assert.False(terms.IsIn("Meu pedido está atrasadíssimo, foi entregue"));
        Assert.True(terms.IsIn("ENTREGUE: pedidos atrasados"));
        Assert.False(terms.IsIn("Meu pedido está atrasada, foi entregue"));
        Assert.False(terms.IsIn("pedido atrasado"));
        Assert.False(terms.IsIn(null));
        // Inside a word is not the beginning of one; after a digit neither (a word is letters and digits).
        Assert.False(SearchTerms.Parse("dido").IsIn("pedido"));
        Assert.False(SearchTerms.Parse("dido").IsIn("pe2dido"));
        Assert.True(SearchTerms.Parse("dido").IsIn("pedido, dídos"));
        Assert.True(SearchTerms.Parse("joao 4521").IsIn("JOÃO: pedido #4521"));
        Assert.True(SearchTerms.Parse("").IsIn(null));
    }
}
