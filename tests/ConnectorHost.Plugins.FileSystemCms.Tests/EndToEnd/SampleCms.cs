namespace ConnectorHost.Plugins.FileSystemCms.Tests.EndToEnd;

/// <summary>What samples/cms holds for the connector with the demo's settings.</summary>
internal static class SampleCms
{
    /// <summary>The demo's maximum file size: the changelog archive is larger.</summary>
    public const int MaxFileSizeBytes = 65_536;

    /// <summary>The files that become memories (native ids).</summary>
    public static readonly string[] Eligible =
    [
        "README.md",
        "blog/2025/2025-01-20-new-year-priorities.md",
        "blog/2025/2025-03-14-migrating-to-postgres.md",
        "blog/2025/2025-05-02-quarterly-offsite.md",
        "blog/2025/2025-07-01-summer-hours.md",
        "docs/api/authentication.md",
        "docs/api/overview.md",
        "docs/api/rate-limits.md",
        "docs/api/webhooks.md",
        "handbook/engineering/code-review.md",
        "handbook/engineering/deployments.md",
        "handbook/engineering/incident-response.md",
        "handbook/engineering/on-call.md",
        "handbook/index.md",
        "handbook/office/berlin-office.html",
        "handbook/people/expenses.md",
        "handbook/people/onboarding.md",
        "handbook/people/remote-work.md",
        "handbook/people/time-off.md",
        "notes/wifi-and-printers.txt",
        "policies/acceptable-use.md",
        "policies/security/access-control.md",
        "policies/security/data-classification.md",
        "policies/security/incident-reporting.md",
        "policies/security/passwords.md",
        "policies/travel.md",
    ];

    /// <summary>The run report's skip lines (native id: reason).</summary>
    public static readonly string[] Skips =
    [
        "blog/2025/2025-06-10-next-quarter-roadmap.md: draft (front matter draft: true; set includeDrafts to deliver drafts)",
        "docs/api/v3-preview.md: draft (front matter draft: true; set includeDrafts to deliver drafts)",
        "notes/cafeteria-menu.txt: not valid UTF-8: byte 0xE0 at offset 39 (save the file as UTF-8)",
        "docs/api/changelog-archive.md: larger than maxFileSizeBytes (80.6 KB > 64 KB)",
        "handbook/people/benefits.md: empty file",
    ];
}
