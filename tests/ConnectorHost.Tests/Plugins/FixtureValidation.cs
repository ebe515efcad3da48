using System.ComponentModel.DataAnnotations;

namespace ConnectorHost.Tests.Plugins;

/// <summary>Validates a settings object with DataAnnotations, the way the host does at start-up.</summary>
internal static class FixtureValidation
{
    public static List<string> Errors(object settings)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return results.Select(r => $"{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
    }
}
