using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace TalkToMe.Core.Data;

/// <summary>Stores a small list (macro actions, menu options) as a JSON text column.</summary>
public sealed class JsonListConverter<T>() : ValueConverter<List<T>, string>(
    v => JsonSerializer.Serialize(v, JsonDefaults.Options),
    v => JsonSerializer.Deserialize<List<T>>(v, JsonDefaults.Options) ?? new List<T>());

public sealed class JsonListComparer<T>() : ValueComparer<List<T>>(
    (a, b) => JsonSerializer.Serialize(a, JsonDefaults.Options) == JsonSerializer.Serialize(b, JsonDefaults.Options),
    v => JsonSerializer.Serialize(v, JsonDefaults.Options).GetHashCode(),
    v => JsonSerializer.Deserialize<List<T>>(JsonSerializer.Serialize(v, JsonDefaults.Options), JsonDefaults.Options)!);

public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>As <see cref="Options"/> without null members: activity data stays small (and SQL can read "$.kind").</summary>
    public static readonly JsonSerializerOptions Compact = new(Options)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
