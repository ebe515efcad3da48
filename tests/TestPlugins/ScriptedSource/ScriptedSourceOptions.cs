using System.ComponentModel.DataAnnotations;

namespace ConnectorHost.TestPlugins.ScriptedSource;

/// <summary>The settings of a Scripted connector instance.</summary>
public sealed class ScriptedSourceOptions
{
    /// <summary>The script read at every run; each run appends a line to this path + ".runs". Required.</summary>
    [Required]
    public string ScriptPath { get; set; } = "";

    /// <summary>What <c>IFullListing.PruneInterval</c> returns. Default one day (the contract's default).</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromDays(1);
}
