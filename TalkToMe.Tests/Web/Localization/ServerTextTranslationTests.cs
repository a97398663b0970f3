using Microsoft.Extensions.Localization;
using TalkToMe.Core;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Tests.Support;
using TalkToMe.Web;
using TalkToMe.Web.Hosting;

namespace TalkToMe.Tests.Web.Localization;

/// <summary>A service's field error reaches each reader in their language: Core gives the code, the web layer the words.</summary>
public sealed class ServerTextTranslationTests
{
    private static readonly Actor Admin = new("admin-id", "Admin", IsAdmin: true);

    [Theory]
    [InlineData(ComponentTestContext.English, "Enter the name.", "Use a colour in the #RRGGBB format.")]
    [InlineData(ComponentTestContext.PortugueseBrazil, "Informe o nome.", "Use uma cor no formato #RRGGBB.")]
    public async Task LabelSave_WithBadFields_ErrorsAreInTheReadersLanguage(string culture, string name, string color)
    {
        await using var context = new ComponentTestContext(culture);
        // As the app does at startup (TalkToMeApp): the translator reads the app's resource files.
        ServerText.Translator = new ServerTextTranslator(context.GetService<IStringLocalizer<SharedResource>>()).Translate;
        await using var database = await TestDatabase.CreateAsync();
        var service = new LabelService(database.Factory, database.Units());

        var errors = await service.SaveAsync(Admin, null, "", "red");

        Assert.Equal(name, errors["Name"]);
        Assert.Equal(color, errors["Color"]);
    }

    [Theory]
    [InlineData(ComponentTestContext.English, "The conversation is already resolved.")]
    [InlineData(ComponentTestContext.PortugueseBrazil, "A conversa já está resolvida.")]
    public async Task ConversationResolve_WhenResolvedAlready_IsRefusedInTheReadersLanguage(string culture, string expected)
    {
        await using var context = new ComponentTestContext(culture);
        ServerText.Translator = new ServerTextTranslator(context.GetService<IStringLocalizer<SharedResource>>()).Translate;
        var channel = new Channel("Loja", ChannelType.Api, "key", TestData.Now);
        var conversation = new Conversation(channel, new Contact("Ana", TestData.Now).AddIdentity(1, "ana"), TestData.Now);
        conversation.Resolve(Admin, TestData.Now);

        // The rule lives on the entity: whoever resolves (an agent, a macro, Keep Alive) meets the same refusal.
        var refused = Assert.Throws<ConversationRuleException>(() => conversation.Resolve(Admin, TestData.Now.AddMinutes(1)));

        Assert.Equal(expected, refused.Message);
        Assert.Equal(TestData.Now, conversation.ResolvedAt);
    }

    [Fact]
    public async Task Message_WithArguments_IsFormattedInTheReadersLanguage()
    {
        await using var context = new ComponentTestContext(ComponentTestContext.English);
        var translator = new ServerTextTranslator(context.GetService<IStringLocalizer<SharedResource>>());
        ServerText.Translator = translator.Translate;

        Assert.Equal("Channel Loja is not active; messages cannot be sent.",
            ServerText.Get("Error.ChannelInactive", "O canal {0} não está ativo; não é possível enviar mensagens.", "Loja"));
        // A code the resources do not know keeps its pt-BR text rather than showing the code.
        Assert.Null(translator.Translate("Error.DoesNotExist"));
        Assert.Equal("Texto 1", ServerText.Get("Error.DoesNotExist", "Texto {0}", 1));
    }
}
