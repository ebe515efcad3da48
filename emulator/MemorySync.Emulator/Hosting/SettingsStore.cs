using MemorySync.Emulator.Admin;

namespace MemorySync.Emulator.Hosting;

/// <summary>The run-time settings: start from the options, changed by the admin surface, back to the options on reset.</summary>
internal sealed class SettingsStore(EmulatorOptions options)
{
    private readonly Lock _gate = new();
    private volatile RuntimeSettings _current = RuntimeSettings.From(options);

    public RuntimeSettings Current => _current;

    public RuntimeSettings Apply(EmulatorSettingsUpdate update)
    {
        update.Limits?.Validate();
        if (update.MonthlyLimit < 0)
        {
            throw new ArgumentException("monthly_limit must be 0 or more.");
        }

        lock (_gate)
        {
            var next = _current;
            if (update.Limits is not null)
            {
                next = next with { Tier = null, Limits = update.Limits };
            }
            else if (update.Tier is { } tier)
            {
                next = next with { Tier = tier, Limits = RateLimits.ForTier(tier) };
            }

            next = next with
            {
                Quota = update.Quota ?? next.Quota,
                MonthlyLimit = update.MonthlyLimit ?? next.MonthlyLimit,
                ErrorShape = update.ErrorShape ?? next.ErrorShape,
                IdempotencyConflict = update.IdempotencyConflict ?? next.IdempotencyConflict,
                Extraction = update.Extraction ?? next.Extraction,
                IdStyle = update.IdStyle ?? next.IdStyle,
                ServiceDown = update.ServiceDown ?? next.ServiceDown,
                RefuseTextContaining = update.RefuseTextContaining is null ? next.RefuseTextContaining
                    : update.RefuseTextContaining.Length == 0 ? null
                    : update.RefuseTextContaining,
            };
            _current = next;
            return next;
        }
    }

    public void Reset() => _current = RuntimeSettings.From(options);
}

/// <summary>One consistent set of run-time settings; replaced whole, never changed in place.</summary>
internal sealed record RuntimeSettings(
    EmulatorTier? Tier,
    RateLimits Limits,
    QuotaMode Quota,
    long MonthlyLimit,
    ErrorShape ErrorShape,
    IdempotencyConflictMode IdempotencyConflict,
    bool Extraction,
    IdStyle IdStyle,
    bool ServiceDown,
    string? RefuseTextContaining = null)
{
    /// <summary>Why the content policy refuses <paramref name="text"/>, or <see langword="null"/> when it does not.</summary>
    public string? Refusal(string text) =>
        RefuseTextContaining is { } marker && text.Contains(marker, StringComparison.Ordinal)
            ? "text: refused by the content policy"
            : null;

    public static RuntimeSettings From(EmulatorOptions options) => new(
        options.Limits is null ? options.Tier : null,
        options.EffectiveLimits,
        options.Quota,
        options.MonthlyLimit,
        options.ErrorShape,
        options.IdempotencyConflict,
        options.Extraction,
        options.IdStyle,
        ServiceDown: false);
}
