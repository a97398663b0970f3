namespace TalkToMe.Core.Channels.WhatsApp;

public static class WhatsAppNumbers
{
    /// <summary>"+55 (11) 99999-8888" → "5511999998888" (the wa_id form); null when it is not a plausible international number.</summary>
    public static string? ToWaId(string input)
    {
        var digits = new string(input.Where(c => !char.IsWhiteSpace(c) && c is not ('+' or '-' or '(' or ')' or '.')).ToArray());
        return digits.Length is >= 8 and <= 15 && digits.All(char.IsAsciiDigit) && digits[0] != '0' ? digits : null;
    }
}
