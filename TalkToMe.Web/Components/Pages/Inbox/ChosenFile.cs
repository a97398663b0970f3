using TalkToMe.Core.Media;

namespace TalkToMe.Web.Components.Pages.Inbox;

/// <summary>A file the agent attached to the reply being written: already in the media store, with a small preview for an image.</summary>
public sealed record ChosenFile(OutgoingFile File, string? Preview);
