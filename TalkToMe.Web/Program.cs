using TalkToMe.Web.Hosting;

return await TalkToMeApp.RunAsync(args);

namespace TalkToMe.Web
{
    /// <summary>Anchor type for tests (WebApplicationFactory) and for locating this assembly.</summary>
    public partial class Program;
}
