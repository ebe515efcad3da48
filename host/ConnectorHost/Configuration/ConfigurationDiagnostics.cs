namespace ConnectorHost.Configuration;

/// <summary>Collects every error and warning of one pass over the configuration, so that all are reported at once.</summary>
internal sealed class ConfigurationDiagnostics
{
    public IReadOnlyList<ConfigurationError> Errors => _errors;

    public IReadOnlyList<ConfigurationWarning> Warnings => _warnings;

    public bool HasErrors => _errors.Count > 0;

    public void Error(string jsonPath, string message) => _errors.Add(new ConfigurationError(jsonPath, message));

    public void Error(ConfigurationError error) => _errors.Add(error);

    public void Warning(string jsonPath, string message) => _warnings.Add(new ConfigurationWarning(jsonPath, message));

    /// <summary>Takes over everything another pass collected.</summary>
    public void Add(ConfigurationDiagnostics other)
    {
        _errors.AddRange(other._errors);
        _warnings.AddRange(other._warnings);
    }

    /// <summary>Throws the collected errors, if there are any.</summary>
    public void ThrowIfErrors(string displayPath)
    {
        if (HasErrors)
        {
            throw new ConfigurationException(displayPath, [.. _errors]);
        }
    }

    private readonly List<ConfigurationError> _errors = [];
    private readonly List<ConfigurationWarning> _warnings = [];
}
