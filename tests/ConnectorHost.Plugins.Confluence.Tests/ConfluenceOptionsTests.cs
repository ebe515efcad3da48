using System.ComponentModel.DataAnnotations;

namespace ConnectorHost.Plugins.Confluence.Tests;

public sealed class ConfluenceOptionsTests
{
    [Test]
    public void Validate_CompleteCloudSettings_HasNoErrors() =>
        Errors(Valid()).Should().BeEmpty();

    [Test]
    public void Validate_MissingOrWrongSettings_NamesEachProblem()
    {
        var options = new ConfluenceOptions
        {
            BaseUrl = new Uri("ftp://example.com"),
            Spaces = [],
            ContentTypes = ["page", "whiteboard"],
            SiteTimeZone = "Mars/Olympus",
        };

        Errors(options).Should().BeEquivalentTo(
            "baseUrl must be an absolute http(s) address, e.g. https://example.atlassian.net/wiki.",
            "apiToken is required: an Atlassian API token of the account named by email.",
            "email is required for flavour 'cloud' (Basic authentication with email and apiToken).",
            "spaces must list at least one space key, and no empty ones.",
            "contentTypes: 'whiteboard' is not supported; use 'page' and/or 'blogpost'.",
            "siteTimeZone 'Mars/Olympus' is not a time zone this machine knows; use an IANA id such as 'Europe/Berlin'.");
    }

    [Test]
    public void Validate_PageSizeOutOfRange_IsRefused()
    {
        var options = Valid();
        options.PageSize = 251;

        Errors(options).Should().Equal("The field PageSize must be between 1 and 250.");
    }

    [Test]
    public void Validate_DataCenterWithoutEmail_HasNoErrors()
    {
        var options = Valid();
        options.Flavour = ConfluenceFlavour.DataCenter;
        options.Email = null;

        Errors(options).Should().BeEmpty();
    }

    [Test]
    public void Validate_BaseUrlWithCredentials_IsRefused()
    {
        var options = Valid();
        options.BaseUrl = new Uri("https://bot:hunter2@example.atlassian.net/wiki");

        Errors(options).Should().Equal("baseUrl must not carry credentials; put them in email and apiToken.");
    }

    [Test]
    public void ApiToken_IsMarkedSecret() =>
        typeof(ConfluenceOptions).GetProperty(nameof(ConfluenceOptions.ApiToken))!
            .GetCustomAttributes(typeof(ConnectorHost.Abstractions.SecretAttribute), false).Should().HaveCount(1);

    private static ConfluenceOptions Valid() => new()
    {
        BaseUrl = new Uri("https://example.atlassian.net/wiki"),
        Email = "bot@example.com",
        ApiToken = "token",
        Spaces = ["ENG"],
    };

    private static List<string?> Errors(ConfluenceOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage)];
    }
}
