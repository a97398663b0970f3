namespace TalkToMe.Core.Data;

/// <summary>The database cannot be brought to this version's schema without an operator's decision.</summary>
public sealed class DatabaseUpgradeException(string message) : Exception(message);
