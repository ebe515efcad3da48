using MemorySync.Emulator.Admin;

namespace MemorySync.Emulator.Faults;

/// <summary>
/// Decides which requests an injected fault strikes. Script steps strike the next matching requests in order; rules
/// strike the n-th matching request when a hash of (seed, rule number, n) falls under the rule's probability, so the
/// same seed and the same sequence of requests give the same faults, whatever the thread timing.
/// </summary>
internal sealed class FaultInjector(int seed)
{
    private static readonly int[] s_defaultStatuses = [500, 502, 503];
    private readonly Lock _gate = new();
    private readonly List<ActiveFault> _rules = [];
    private readonly List<ActiveFault> _script = [];
    private int _lastNumber;
    private volatile bool _any;

    public string AddRule(FaultRule rule)
    {
        Validate(rule);
        lock (_gate)
        {
            var fault = new ActiveFault(++_lastNumber, rule, rule.Count);
            _rules.Add(fault);
            _any = true;
            return fault.Id;
        }
    }

    public IReadOnlyList<string> AppendScript(IReadOnlyList<FaultRule> steps)
    {
        foreach (var step in steps)
        {
            Validate(step);
        }

        lock (_gate)
        {
            var ids = new List<string>();
            foreach (var step in steps)
            {
                var fault = new ActiveFault(++_lastNumber, step, step.Count ?? 1);
                _script.Add(fault);
                ids.Add(fault.Id);
            }

            _any = _rules.Count > 0 || _script.Count > 0;
            return ids;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _script.Clear();
            _any = false;
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            Clear();
            _lastNumber = 0;
        }
    }

    public FaultState Snapshot()
    {
        lock (_gate)
        {
            return new FaultState([.. _rules.Select(f => f.State())], [.. _script.Select(f => f.State())]);
        }
    }

    /// <summary>The faults that strike this request, or <see langword="null"/> when none does.</summary>
    public FaultDecision? Decide(string method, string path)
    {
        if (!_any)
        {
            return null;
        }

        lock (_gate)
        {
            var step = _script.Find(fault => fault.Matches(method, path));
            if (step is not null)
            {
                step.Matched++;
                var scripted = Strike(step, step.Matched, null);
                _any = _rules.Count > 0 || _script.Count > 0;
                return scripted;
            }

            FaultDecision? decision = null;
            foreach (var rule in _rules)
            {
                if (!rule.Matches(method, path))
                {
                    continue;
                }

                var n = ++rule.Matched;
                if (Draw(rule.Number, n, 0) >= rule.Rule.Probability)
                {
                    continue;
                }

                decision = Strike(rule, n, decision);
                if (decision.Kind != FaultKind.Latency)
                {
                    break;
                }
            }

            _rules.RemoveAll(fault => fault.Remaining == 0);
            _any = _rules.Count > 0 || _script.Count > 0;
            return decision;
        }
    }

    private static void Validate(FaultRule rule)
    {
        if (rule.Route != "*" && !rule.Route.StartsWith('/'))
        {
            throw new ArgumentException($"route must be '*' or a path such as /memory/bulk-add (was '{rule.Route}').");
        }

        if (rule.Probability is < 0 or > 1 || double.IsNaN(rule.Probability))
        {
            throw new ArgumentException($"probability must be between 0 and 1 (was {rule.Probability}).");
        }

        if (rule.Count is < 1)
        {
            throw new ArgumentException($"count must be at least 1 (was {rule.Count}).");
        }

        if (rule.Statuses is { } statuses && (statuses.Count == 0 || statuses.Any(s => s is < 400 or > 599)))
        {
            throw new ArgumentException("statuses must list HTTP error statuses (400 to 599).");
        }

        if (rule.RetryAfterSeconds is < 0 || rule.RetryAfterMaxSeconds < (rule.RetryAfterSeconds ?? 1))
        {
            throw new ArgumentException("retry_after_seconds must be 0 or more and at most retry_after_max_seconds.");
        }

        if (rule.Kind == FaultKind.Latency && rule.LatencyMs is not > 0)
        {
            throw new ArgumentException("a latency fault needs latency_ms greater than 0.");
        }
    }

    private FaultDecision Strike(ActiveFault fault, long n, FaultDecision? earlier)
    {
        fault.Struck++;
        if (fault.Remaining is { } remaining)
        {
            fault.Remaining = remaining - 1;
            if (fault.Remaining == 0)
            {
                _script.Remove(fault);
            }
        }

        var rule = fault.Rule;
        var latency = TimeSpan.FromMilliseconds(rule.Kind == FaultKind.Latency ? rule.LatencyMs ?? 0 : 0);
        if (earlier is not null)
        {
            latency += earlier.Latency;
        }

        var statuses = rule.Statuses ?? s_defaultStatuses;
        var status = rule.Kind switch
        {
            FaultKind.Error => statuses[(int)(Draw(fault.Number, n, 1) * statuses.Count)],
            FaultKind.RateLimit => 429,
            _ => 0,
        };
        var low = rule.RetryAfterSeconds ?? 1;
        var high = rule.RetryAfterMaxSeconds ?? low;
        var retryAfter = low + (int)(Draw(fault.Number, n, 2) * (high - low + 1));
        return new FaultDecision(
            rule.Kind, rule.Phase, status, Math.Min(retryAfter, high), rule.RetryAfterAsHttpDate, latency, fault.Describe(status));
    }

    /// <summary>A uniform number in [0, 1) fixed by the seed, the fault and the match number (SplitMix64).</summary>
    private double Draw(int number, long n, int purpose)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)number << 40) ^ ((ulong)n << 2) ^ (ulong)purpose);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    private sealed class ActiveFault(int number, FaultRule rule, int? remaining)
    {
        public int Number { get; } = number;

        public string Id => $"fault_{Number}";

        public FaultRule Rule { get; } = rule;

        public long Matched { get; set; }

        public long Struck { get; set; }

        public int? Remaining { get; set; } = remaining;

        public bool Matches(string method, string path) =>
            Remaining is null or > 0
            && (Rule.Route == "*" ? !path.StartsWith("/_emulator", StringComparison.Ordinal)
                : string.Equals(Rule.Route.TrimEnd('/'), path.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            && (Rule.Method is null || string.Equals(Rule.Method, method, StringComparison.OrdinalIgnoreCase));

        public FaultRuleState State() => new(Id, Rule, Matched, Struck, Remaining);

        public string Describe(int status) => Rule.Kind switch
        {
            FaultKind.Error => $"error:{status}:{Phase}",
            FaultKind.RateLimit => $"rate_limit:{Phase}",
            FaultKind.Latency => $"latency:{Rule.LatencyMs}ms:{Phase}",
            _ => $"drop:{Phase}",
        };

        private string Phase => Rule.Phase == FaultPhase.Before ? "before" : "after";
    }
}

/// <summary>What the faults do to one request.</summary>
/// <param name="Kind">The terminal fault (or <see cref="FaultKind.Latency"/> when only latency struck).</param>
/// <param name="Phase">Before or after processing.</param>
/// <param name="Status">The status answered (error, rate limit).</param>
/// <param name="RetryAfterSeconds">The Retry-After of a rate-limit fault.</param>
/// <param name="RetryAfterAsHttpDate">Write Retry-After as an HTTP date.</param>
/// <param name="Latency">Latency added (all latency faults that struck).</param>
/// <param name="Description">For the request log, e.g. <c>error:503:before</c>.</param>
internal sealed record FaultDecision(
    FaultKind Kind,
    FaultPhase Phase,
    int Status,
    int RetryAfterSeconds,
    bool RetryAfterAsHttpDate,
    TimeSpan Latency,
    string Description);
