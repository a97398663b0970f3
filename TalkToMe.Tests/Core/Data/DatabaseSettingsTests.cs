using Npgsql;
using TalkToMe.Core.Data;

namespace TalkToMe.Tests.Core.Data;

public class DatabaseSettingsTests
{
    [Fact]
    public void PostgreSql_ConnectionStringWithoutPreparation_PreparesTheHotPathsStatements()
    {
        var settings = DatabaseSettings.PostgreSql("Host=db.example;Database=talktome;Username=app;Password=s3cret");

        var builder = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        Assert.Equal(64, builder.MaxAutoPrepare);
        Assert.Equal(2, builder.AutoPrepareMinUsages);
        Assert.Equal("s3cret", builder.Password);
        Assert.Equal("talktome", builder.Database);
    }

    [Theory]
    [InlineData("Host=db;Database=t;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=t;maxautoprepare=10", 10)]
    public void PostgreSql_ConnectionStringNamesPreparation_KeepsTheAdministratorsChoice(string connectionString, int expected)
    {
        var settings = DatabaseSettings.PostgreSql(connectionString);

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(settings.ConnectionString).MaxAutoPrepare);
    }
}
