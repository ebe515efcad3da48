using System.ComponentModel.DataAnnotations;

namespace ConnectorHost.TestPlugins.GoodPlugin;

/// <summary>The settings of a Good connector instance.</summary>
public sealed class GoodOptions
{
    /// <summary>How many items each run yields (good-1 … good-N). Default 3.</summary>
    [Range(1, 1_000_000)]
    public int ItemCount { get; set; } = 3;

    /// <summary>The start of every item's text. Default "Good item".</summary>
    [Required]
    public string TextPrefix { get; set; } = "Good item";

    /// <summary>When set, the connection check sends GET to this address and fails unless it answers 2xx.</summary>
    public Uri? ProbeUrl { get; set; }
}
