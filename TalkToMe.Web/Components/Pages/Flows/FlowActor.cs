using System.Security.Claims;
using TalkToMe.Core.Agents;
using TalkToMe.Core.Conversations;

namespace TalkToMe.Web.Components.Pages.Flows;

/// <summary>The signed-in user as Core's services see them; the services check the role themselves.</summary>
public static class FlowActor
{
    public static Actor From(ClaimsPrincipal user) =>
        new(user.FindFirst(ClaimTypes.NameIdentifier)?.Value, user.Identity?.Name ?? "", user.IsInRole(Roles.Admin));
}
