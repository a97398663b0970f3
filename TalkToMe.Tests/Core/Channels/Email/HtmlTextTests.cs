using TalkToMe.Core.Channels.Email;

namespace TalkToMe.Tests.Core.Channels.Email;

public class HtmlTextTests
{
    [Fact]
    public void ToPlainText_TypicalWebmailReply_IsReadableWithLineBreaks()
    {
        const string html = """
            <!DOCTYPE html><html><head><title>Re: Pedido</title><style>p { color: red; }</style></head>
            <body><div dir="ltr">Olá,<br>o pedido&nbsp;4521 ainda não chegou.<div><br></div>
            <div>Obrigada,<br>Maria &amp; Cia &lt;loja&gt;</div></div></body></html>
            """;

        Assert.Equal("Olá,\no pedido 4521 ainda não chegou.\n\nObrigada,\nMaria & Cia <loja>", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void ToPlainText_ScriptStyleAndComments_AreDroppedWithTheirContents()
    {
        const string html = "<p>Antes</p><script>alert('x')</script><style>.a{}</style><!-- nota interna --><p>Depois</p>";

        Assert.Equal("Antes\n\nDepois", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void ToPlainText_ParagraphsListsAndTables_BecomeLines()
    {
        const string html = "<h1>Itens</h1><p>Quero trocar:</p><ul><li>Camisa M</li><li>Calça 42</li></ul>"
            + "<table><tr><td>Total</td><td>R$ 120,00</td></tr></table>";

        Assert.Equal("Itens\n\nQuero trocar:\n\n- Camisa M\n- Calça 42\n\nTotal R$ 120,00", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void ToPlainText_SourceWhitespace_CollapsesLikeABrowserButPreKeepsItsLines()
    {
        const string html = "<p>uma\n   frase   só</p><pre>linha 1\nlinha 2</pre>";

        Assert.Equal("uma frase só\n\nlinha 1\nlinha 2", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void ToPlainText_AttributesWithAngleBrackets_DoNotLeakIntoTheText()
    {
        const string html = """<a href="https://loja.example/?a=1&b=2" title="a > b">rastreio</a> do pedido""";

        Assert.Equal("rastreio do pedido", HtmlText.ToPlainText(html));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("<div><br></div>")]
    public void ToPlainText_NothingVisible_IsEmpty(string? html)
    {
        Assert.Equal("", HtmlText.ToPlainText(html));
    }

    [Fact]
    public void AttachmentsLine_NamesAndSizes_InPortuguese()
    {
        var line = InboundEmailParser.AttachmentsLine([new EmailAttachment("contrato.pdf", 12 * 1024), new EmailAttachment("foto.jpg", 1_258_291),
            new EmailAttachment("a.txt", 300)]);

        Assert.Equal("Anexos: contrato.pdf (12 KB), foto.jpg (1,2 MB), a.txt (300 B)", line);
    }
}
