namespace TalkToMe.Web;

/// <summary>Marker for the UI strings in Resources/SharedResource*.resx (pt-BR default, English second).</summary>
public sealed class SharedResource;
