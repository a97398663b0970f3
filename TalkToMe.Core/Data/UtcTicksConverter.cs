using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace TalkToMe.Core.Data;

public sealed class UtcTicksConverter() : ValueConverter<DateTime, long>(
    v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime().Ticks : v.Ticks,
    v => new DateTime(v, DateTimeKind.Utc));
