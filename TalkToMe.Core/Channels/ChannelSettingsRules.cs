using System.Net.Mail;
using System.Text.RegularExpressions;
using TalkToMe.Core.Channels.Api;
using TalkToMe.Core.Channels.Email;
using TalkToMe.Core.Channels.Line;
using TalkToMe.Core.Channels.Meta;
using TalkToMe.Core.Channels.Sms;
using TalkToMe.Core.Channels.Telegram;
using TalkToMe.Core.Channels.Website;
using TalkToMe.Core.Channels.WhatsApp;

namespace TalkToMe.Core.Channels;

/// <summary>
/// What each channel type needs before it can work, and the keys TalkToMe generates for it (verify tokens, webhook
/// secrets). Errors are keyed "Settings.&lt;Property&gt;", one message per field.
/// </summary>
public static partial class ChannelSettingsRules
{
    public const string Prefix = "Settings.";

    /// <summary>Fills the keys TalkToMe owns (verify token, webhook secrets) when they are still empty.</summary>
    public static void GenerateMissingKeys(ChannelSettings settings)
    {
        switch (settings)
        {
            case FacebookSettings meta when string.IsNullOrWhiteSpace(meta.VerifyToken):
                meta.VerifyToken = Secrets.NewKey();
                break;
            case WhatsAppSettings wa when string.IsNullOrWhiteSpace(wa.VerifyToken):
                wa.VerifyToken = Secrets.NewKey();
                break;
            case TelegramSettings tg when string.IsNullOrWhiteSpace(tg.WebhookSecretToken):
                tg.WebhookSecretToken = Secrets.NewKey();
                break;
            case WebsiteSettings site when string.IsNullOrWhiteSpace(site.IdentityVerificationSecret):
                site.IdentityVerificationSecret = Secrets.NewKey();
                break;
            case ApiChannelSettings api when string.IsNullOrWhiteSpace(api.WebhookSecret):
                api.WebhookSecret = Secrets.NewKey();
                break;
            case EmailSettings mail when string.IsNullOrWhiteSpace(mail.InboundWebhookPassword):
                mail.InboundWebhookPassword = Secrets.NewKey();
                break;
        }
    }

    /// <summary>On edit, an empty verify token (not a secret: it is shown so it can be pasted) keeps the stored one.</summary>
    public static void KeepGeneratedKeysFrom(ChannelSettings settings, ChannelSettings stored)
    {
        switch (settings, stored)
        {
            case (FacebookSettings meta, FacebookSettings old) when string.IsNullOrWhiteSpace(meta.VerifyToken):
                meta.VerifyToken = old.VerifyToken;
                break;
            case (WhatsAppSettings wa, WhatsAppSettings old) when string.IsNullOrWhiteSpace(wa.VerifyToken):
                wa.VerifyToken = old.VerifyToken;
                break;
        }
    }

    public static void Validate(ChannelSettings settings, IDictionary<string, string> errors)
    {
        switch (settings)
        {
            case WebsiteSettings site:
                Url(errors, nameof(site.WebsiteUrl), site.WebsiteUrl, required: true);
                if (!HexColor().IsMatch(site.WidgetColor ?? ""))
                {
                    errors[Prefix + nameof(site.WidgetColor)] = ServerText.Get("Error.WidgetColorFormat", "Informe a cor no formato #RRGGBB.");
                }

                Max(errors, nameof(site.WelcomeTitle), site.WelcomeTitle, 100);
                Max(errors, nameof(site.WelcomeText), site.WelcomeText, 500);
                foreach (var origin in site.AllowedOrigins ?? [])
                {
                    if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                        uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
                    {
                        errors[Prefix + nameof(site.AllowedOrigins)] = ServerText.Get("Error.OriginInvalid", "Origem inválida: {0}. Use esquema://host[:porta].", origin);
                        break;
                    }
                }

                break;
            case EmailSettings mail:
                if (string.IsNullOrWhiteSpace(mail.EmailAddress) || !MailAddress.TryCreate(mail.EmailAddress.Trim(), out _))
                {
                    errors[Prefix + nameof(mail.EmailAddress)] = ServerText.Get("Error.EmailInvalid", "Informe um e-mail válido.");
                }

                Required(errors, nameof(mail.SmtpHost), mail.SmtpHost, ServerText.Get("Error.SmtpHostRequired", "Informe o servidor SMTP."));
                if (mail.SmtpPort is < 1 or > 65535)
                {
                    errors[Prefix + nameof(mail.SmtpPort)] = "A porta SMTP vai de 1 a 65535.";
                }

                if (!Enum.IsDefined(mail.InboundProvider))
                {
                    errors[Prefix + nameof(mail.InboundProvider)] = ServerText.Get("Error.ChooseInboundProvider", "Escolha Postmark ou Mailgun.");
                }

                if (mail.InboundProvider == InboundEmailProvider.Mailgun)
                {
                    Required(errors, nameof(mail.MailgunSigningKey), mail.MailgunSigningKey, ServerText.Get("Error.MailgunKeyRequired", "Informe a signing key do Mailgun."));
                }

                break;
            case WhatsAppSettings wa:
                Required(errors, nameof(wa.PhoneNumberId), wa.PhoneNumberId, ServerText.Get("Error.PhoneNumberIdRequired", "Informe o Phone number ID."));
                Required(errors, nameof(wa.AccessToken), wa.AccessToken, ServerText.Get("Error.AccessTokenRequired", "Informe o token de acesso."));
                Required(errors, nameof(wa.AppSecret), wa.AppSecret, ServerText.Get("Error.AppSecretRequired", "Informe o App secret."));
                Url(errors, nameof(wa.ApiBaseUrl), wa.ApiBaseUrl, required: true);
                Required(errors, nameof(wa.ApiVersion), wa.ApiVersion, ServerText.Get("Error.ApiVersionRequired", "Informe a versão da API."));
                break;
            case FacebookSettings meta:
                Required(errors, nameof(meta.PageId), meta.PageId, ServerText.Get("Error.PageIdRequired", "Informe o ID da página."));
                Required(errors, nameof(meta.PageAccessToken), meta.PageAccessToken, ServerText.Get("Error.PageTokenRequired", "Informe o token de acesso da página."));
                Required(errors, nameof(meta.AppSecret), meta.AppSecret, ServerText.Get("Error.AppSecretRequired", "Informe o App secret."));
                Url(errors, nameof(meta.ApiBaseUrl), meta.ApiBaseUrl, required: true);
                Required(errors, nameof(meta.ApiVersion), meta.ApiVersion, ServerText.Get("Error.ApiVersionRequired", "Informe a versão da API."));
                if (meta is InstagramSettings ig)
                {
                    Required(errors, nameof(ig.InstagramAccountId), ig.InstagramAccountId, ServerText.Get("Error.InstagramIdRequired", "Informe o ID da conta do Instagram."));
                }

                break;
            case TelegramSettings tg:
                if (string.IsNullOrWhiteSpace(tg.BotToken))
                {
                    errors[Prefix + nameof(tg.BotToken)] = ServerText.Get("Error.BotTokenRequired", "Informe o token do bot.");
                }
                else if (!TelegramToken().IsMatch(tg.BotToken.Trim()))
                {
                    errors[Prefix + nameof(tg.BotToken)] = ServerText.Get("Error.BotTokenFormat", "O token do bot tem o formato 123456:ABC… (copie do BotFather).");
                }

                Url(errors, nameof(tg.ApiBaseUrl), tg.ApiBaseUrl, required: true);
                break;
            case TwilioSmsSettings sms:
                Required(errors, nameof(sms.AccountSid), sms.AccountSid, ServerText.Get("Error.AccountSidRequired", "Informe o Account SID."));
                Required(errors, nameof(sms.AuthToken), sms.AuthToken, ServerText.Get("Error.AuthTokenRequired", "Informe o Auth token."));
                if (string.IsNullOrWhiteSpace(sms.FromNumber) || !E164().IsMatch(sms.FromNumber.Trim()))
                {
                    errors[Prefix + nameof(sms.FromNumber)] = ServerText.Get("Error.FromNumberFormat", "Informe o número no formato +5511999999999.");
                }

                Url(errors, nameof(sms.ApiBaseUrl), sms.ApiBaseUrl, required: true);
                break;
            case LineSettings line:
                Required(errors, nameof(line.ChannelSecret), line.ChannelSecret, ServerText.Get("Error.ChannelSecretRequired", "Informe o Channel secret."));
                Required(errors, nameof(line.ChannelAccessToken), line.ChannelAccessToken, ServerText.Get("Error.ChannelAccessTokenRequired", "Informe o Channel access token."));
                Url(errors, nameof(line.ApiBaseUrl), line.ApiBaseUrl, required: true);
                break;
            case ApiChannelSettings api:
                Url(errors, nameof(api.WebhookUrl), api.WebhookUrl, required: false);
                break;
        }
    }

    private static void Required(IDictionary<string, string> errors, string field, string? value, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[Prefix + field] = message;
        }
    }

    private static void Max(IDictionary<string, string> errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors[Prefix + field] = ServerText.Get("Error.MaxCharacters", "No máximo {0} caracteres.", max);
        }
    }

    private static void Url(IDictionary<string, string> errors, string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors[Prefix + field] = ServerText.Get("Error.UrlRequired", "Informe o endereço (https://…).");
            }

            return;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors[Prefix + field] = ServerText.Get("Error.UrlInvalid", "Informe um endereço http(s) válido.");
        }
    }

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex HexColor();

    [GeneratedRegex(@"^\d+:[A-Za-z0-9_-]+$")]
    private static partial Regex TelegramToken();

    [GeneratedRegex(@"^\+[1-9]\d{6,14}$")]
    private static partial Regex E164();
}
