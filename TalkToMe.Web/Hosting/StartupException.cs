namespace TalkToMe.Web.Hosting;

/// <summary>A configuration or environment problem the operator must fix; printed plainly, exit code 1.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
