namespace TalkToMe.Core.Flows;

public enum FlowStepType
{
    /// <summary>"Mensagem": send a text.</summary>
    Message,

    /// <summary>"Pergunta": ask, store the answer under a key.</summary>
    Question,

    /// <summary>"Menu": numbered options, each going to a step, a group / agent queue, or the end.</summary>
    Menu,

    /// <summary>"Transferir": hand the conversation to agents.</summary>
    Transfer,

    /// <summary>"Encerrar": resolve the conversation.</summary>
    End,

    /// <summary>"Avaliação": the customer rates the service from 1 to 5 (an exit flow's satisfaction survey), optionally with a comment.</summary>
    Rating,
}

public enum MenuTargetType
{
    Step,
    ChannelGroup,
    Agent,
    End,
}

public record MenuOption(string Label, MenuTargetType Target, string? TargetValue);

public class FlowStep
{
    private FlowStep() { }

    public FlowStep(FlowStepType type, string text)
    {
        Type = type;
        Text = text;
    }

    public int Id { get; private set; }
    public int FlowId { get; private set; }
    public int Position { get; private set; }
    public FlowStepType Type { get; private set; }
    public string Text { get; set; } = "";

    /// <summary>For a Pergunta: the key the answer is stored under (usable as {{key}} in later steps).</summary>
    public string? AnswerKey { get; set; }

    /// <summary>For a Pergunta: store on the contact (true) or on the conversation (false).</summary>
    public bool StoreOnContact { get; set; }

    public List<MenuOption> Options { get; set; } = [];

    /// <summary>For a Transferir: optional channel group or agent that receives the conversation.</summary>
    public int? TransferGroupId { get; set; }
    public string? TransferAgentId { get; set; }

    /// <summary>For an Avaliação: after the score, ask for an optional comment (stored with the rating). Null (a column
    /// without a default, so no table rebuild on SQLite) for every other step.</summary>
    public bool? AskComment { get; set; }

    internal void MoveTo(int position) => Position = position;
}
