using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using TalkToMe.Core;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Channels;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Channels.WhatsApp;
using TalkToMe.Core.Contacts;
using TalkToMe.Core.Conversations;
using TalkToMe.Core.Data;
using TalkToMe.Core.Flows;
using TalkToMe.Core.Messaging;

namespace TalkToMe.Web.Hosting;

/// <summary>Demo channels and conversations for a first look; only on a database that has no channel yet.</summary>
public sealed class DemoData(IDbContextFactory<TalkToMeDbContext> factory, UnitOfWorkFactory units, UserManager<AppUser> users,
    TimeProvider time, ILogger<DemoData> logger)
{
    public const string DemoAgentEmail = "ana@talktome.local";

    private static readonly (string Contact, string Channel, string External, string[] Lines, int MinutesAgo)[] Threads =
    [
        ("Mariana Costa", "Site institucional", "visitor-1", ["Olá! Vocês entregam em Campinas?", "Preciso para sexta-feira."], 3),
        ("João Pereira", "WhatsApp Vendas", "5511998765432", ["Bom dia, o pedido 4521 ainda não chegou."], 12),
        ("Carla Mendes", "Suporte por e-mail", "carla.mendes@example.com", ["Segue em anexo a nota fiscal para troca."], 45),
        ("Pedro Alves", "Telegram", "884512", ["Qual o horário de atendimento?"], 90),
        ("Loja Virtual — pedido 9932", "API Loja", "customer-9932", ["Cliente pediu cancelamento do pedido 9932."], 180),
        ("Beatriz Lima", "WhatsApp Vendas", "5521987654321", ["Vocês têm o modelo azul em estoque?", "Tamanho M."], 360),
        ("Rafael Souza", "Site institucional", "visitor-2", ["O cupom BEMVINDO não funcionou."], 1440),
    ];

    public async Task SeedAsync()
    {
        await using (var read = await factory.CreateDbContextAsync())
        {
            if (await read.Channels.AnyAsync())
            {
                return;
            }
        }

        var now = time.GetUtcNow().UtcDateTime;
        // Identity writes on a context of its own: before the writer's turn is taken, which it would otherwise wait for.
        var agent = await EnsureDemoAgentAsync(now);
        await using var unit = await units.BeginAsync();
        var db = unit.Db;

        var welcome = new Flow("Boas-vindas", now);
        welcome.ReplaceSteps([new FlowStep(FlowStepType.Message, "Olá! Um de nossos atendentes já vai falar com você.")]);
        db.Flows.Add(welcome);

        var channels = new[]
        {
            new Channel("Site institucional", ChannelType.Website, Secrets.NewKey(), now),
            new Channel("WhatsApp Vendas", ChannelType.WhatsApp, Secrets.NewKey(), now),
            new Channel("Suporte por e-mail", ChannelType.Email, Secrets.NewKey(), now),
            new Channel("Telegram", ChannelType.Telegram, Secrets.NewKey(), now),
            new Channel("API Loja", ChannelType.Api, Secrets.NewKey(), now),
        };
        // Plausible settings so each demo channel can be opened and saved; the credentials are placeholders, so
        // replies through them fail with the provider's reason until an admin pastes real ones.
        channels[0].SetSettings(new WebsiteSettings { WebsiteUrl = "https://www.exemplo.com.br", IdentityVerificationSecret = Secrets.NewKey() });
        channels[1].SetSettings(new WhatsAppSettings
        {
            PhoneNumberId = "100000000000001", AccessToken = "substitua-pelo-token-da-meta", AppSecret = Secrets.NewKey(),
            VerifyToken = Secrets.NewKey(),
        });
        channels[2].SetSettings(new EmailSettings
        {
            EmailAddress = "suporte@exemplo.com.br", FromName = "Suporte", SmtpHost = "localhost", SmtpPort = 25, SmtpUseTls = false,
            InboundWebhookPassword = Secrets.NewKey(),
        });
        channels[3].SetSettings(new TelegramSettings { BotToken = "123456789:substitua-pelo-token-do-BotFather", WebhookSecretToken = Secrets.NewKey() });
        channels[4].SetSettings(new ApiChannelSettings { WebhookSecret = Secrets.NewKey() });
        channels[1].SetSwitches(isActive: true, allowsActiveContact: true);
        channels[2].SetSwitches(isActive: true, allowsActiveContact: true);
        db.Channels.AddRange(channels);

        var group = new ChannelGroup("Atendimento", "Canais de atendimento ao cliente");
        group.SetChannels([channels[0], channels[1]]);
        db.ChannelGroups.Add(group);
        db.Labels.AddRange(new Label("vip", "#8e24aa"), new Label("entrega", "#fb8c00"));
        db.CannedResponses.Add(new CannedResponse("ola", "Olá! Como posso ajudar?"));
        // The channels' ids, for the contacts' identities below.
        await unit.SaveChangesAsync();

        foreach (var thread in Threads)
        {
            var channel = channels.Single(c => c.Name == thread.Channel);
            var contact = new Contact(thread.Contact, now);
            var identity = contact.AddIdentity(channel.Id, thread.External);
            db.Contacts.Add(contact);
            var at = now.AddMinutes(-thread.MinutesAgo);
            var conversation = new Conversation(channel, identity, at);
            db.Conversations.Add(conversation);
            foreach (var line in thread.Lines)
            {
                at = at.AddSeconds(20);
                conversation.RecordIncoming(line, at);
                db.Messages.Add(Message.Incoming(conversation, line, null, at));
            }

            if (thread.MinutesAgo >= 1440 && agent is not null)
            {
                conversation.Assign(agent.Id);
                var reply = Message.Outgoing(conversation, "Vou verificar o cupom para você.", SenderType.Agent, agent.Id,
                    agent.DisplayName, at.AddMinutes(1));
                reply.MarkSent(null, at.AddMinutes(1));
                db.Messages.Add(reply);
                conversation.RecordOutgoing(reply.Content, at.AddMinutes(1));
                conversation.Resolve(at.AddMinutes(2));
            }
        }

        await unit.CommitAsync();
        logger.LogInformation("Seeded demo data: {Channels} channels, {Conversations} conversations", channels.Length, Threads.Length);
    }

    private async Task<AppUser?> EnsureDemoAgentAsync(DateTime now)
    {
        var existing = await users.FindByEmailAsync(DemoAgentEmail);
        if (existing is not null)
        {
            return existing;
        }

        var agent = new AppUser
        {
            UserName = DemoAgentEmail,
            Email = DemoAgentEmail,
            EmailConfirmed = true,
            DisplayName = "Ana Souza",
            CreatedAt = now,
        };
        // The demo agent gets a random password: an admin sets a real one on the Agentes page if wanted.
        var created = await users.CreateAsync(agent, Secrets.NewToken("Demo") + "a1!A");
        if (!created.Succeeded)
        {
            return null;
        }

        await users.AddToRoleAsync(agent, Roles.Agent);
        return agent;
    }
}
