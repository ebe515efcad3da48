using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectorHost.MemorySync;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ConnectorHost.Configuration;

/// <summary>
/// Stage 1 of <see cref="ConfigurationLoader"/>: walks the parsed file key by key, so that every wrong key, type,
/// range or reference is reported with its JSON path, not just the first one a deserializer would trip over.
/// </summary>
internal sealed partial class ConfigurationFileReader
{
    public ConfigurationFileReader(string displayPath, string fullPath, ConfigurationDiagnostics diagnostics)
    {
        _displayPath = displayPath;
        _fullPath = fullPath;
        _baseDirectory = Path.GetDirectoryName(fullPath)!;
        _diagnostics = diagnostics;
        _fileMode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(fullPath);
        _secrets = new SecretReferences(_baseDirectory, _registry, diagnostics);
    }

    /// <summary>Reads the document; <see langword="null"/> when it is not even an object (reported).</summary>
    public HostConfiguration? Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(JsonPath.Root, $"the file must hold one JSON object ({{ ... }}), found {Describe(root)}");
            return null;
        }

        var file = Members(root, JsonPath.Root, s_rootKeys, "the file");
        _ = ReadString(file, "$schema", nullable: true);
        var host = ReadHost(file);
        var memorySync = ReadMemorySync(file);
        var delivery = ReadDelivery(file);
        var plugins = ReadPlugins(file);
        var connectors = ReadConnectors(file);
        return new HostConfiguration
        {
            FilePath = _fullPath,
            DisplayPath = _displayPath,
            Host = host,
            MemorySync = memorySync,
            Delivery = delivery,
            Plugins = plugins,
            Connectors = connectors,
            Secrets = _registry,
            FileMode = _fileMode,
        };
    }

    private HostSection ReadHost(Section file)
    {
        var section = ReadSection(file, "host", s_hostKeys) ?? Section.Empty(file.PathOf("host"));
        var defaults = new HostSection();
        var controlUrl = ReadUrl(section, "controlUrl") ?? defaults.ControlUrl;
        var allowRemote = ReadBool(section, "allowRemoteControl") ?? defaults.AllowRemoteControl;
        if (controlUrl.AbsolutePath != "/" || controlUrl.Query.Length > 0)
        {
            _diagnostics.Error(section.PathOf("controlUrl"), $"\"{controlUrl}\" must be a bare address with a port and no path, e.g. \"http://127.0.0.1:5817\"");
        }
        else if (!controlUrl.IsLoopback && !allowRemote)
        {
            _diagnostics.Error(section.PathOf("controlUrl"),
                $"\"{controlUrl.GetLeftPart(UriPartial.Authority)}\" is not a loopback address, and whoever reaches the control endpoint can reset cursors and re-drive dead letters; use \"http://127.0.0.1:5817\", or set \"allowRemoteControl\": true in \"host\" if other machines must reach it");
        }

        return new HostSection
        {
            PluginsDirectory = ReadDirectory(section, "pluginsDirectory", defaults.PluginsDirectory, mustExist: true),
            DataDirectory = ReadDirectory(section, "dataDirectory", defaults.DataDirectory, mustExist: false),
            LogDirectory = ReadDirectory(section, "logDirectory", defaults.LogDirectory, mustExist: false),
            ControlUrl = controlUrl,
            AllowRemoteControl = allowRemote,
            ShutdownGracePeriod = ReadDuration(section, "shutdownGracePeriod", allowZero: true) ?? defaults.ShutdownGracePeriod,
            LogLevel = ReadChoice(section, "logLevel", s_logLevels) ?? defaults.LogLevel,
        };
    }

    private MemorySyncSection ReadMemorySync(Section file)
    {
        var section = ReadSection(file, "memorySync", s_memorySyncKeys);
        if (section is null)
        {
            if (!file.Has("memorySync"))
            {
                _diagnostics.Error(JsonPath.Root, "\"memorySync\" is required: add \"memorySync\": { \"apiKey\": \"${env:MEMORYSYNC_API_KEY}\" }");
            }

            return new MemorySyncSection();
        }

        var defaults = new MemorySyncSection();
        var baseUrl = ReadUrl(section, "baseUrl") ?? defaults.BaseUrl;
        if (baseUrl.Scheme == Uri.UriSchemeHttp && !baseUrl.IsLoopback)
        {
            _diagnostics.Warning(section.PathOf("baseUrl"), $"\"{baseUrl}\" is plain http to another machine: the API key travels unencrypted; use https");
        }

        var apiKey = ReadString(section, "apiKey");
        if (apiKey is null)
        {
            if (!section.Has("apiKey"))
            {
                _diagnostics.Error(section.Path, "\"apiKey\" is required: add \"apiKey\": \"${env:MEMORYSYNC_API_KEY}\" and set that variable in the service's environment");
            }
        }
        else if (string.IsNullOrWhiteSpace(apiKey.Value))
        {
            _diagnostics.Error(section.PathOf("apiKey"), "is empty: write \"${env:MEMORYSYNC_API_KEY}\" and set that variable in the service's environment");
        }
        else
        {
            _registry.Add(apiKey.Value);
            if (!apiKey.HadReference)
            {
                WarnIfInlineSecretIsExposed(section.PathOf("apiKey"));
            }
        }

        return new MemorySyncSection
        {
            BaseUrl = baseUrl,
            ApiKey = apiKey?.Value ?? "",
            ProjectId = NullIfBlank(ReadString(section, "projectId", nullable: true)?.Value),
            Tier = ReadChoice(section, "tier", s_tiers) ?? defaults.Tier,
            Limits = ReadLimits(section),
            RequestTimeout = ReadDuration(section, "requestTimeout", allowZero: false) ?? defaults.RequestTimeout,
        };
    }

    private MemorySyncLimits? ReadLimits(Section memorySync)
    {
        var section = ReadSection(memorySync, "limits", s_limitKeys, nullable: true);
        if (section is null)
        {
            return null;
        }

        var limits = new MemorySyncLimits
        {
            PerSecond = ReadInt(section, "perSecond", 1, 1_000_000, nullable: true),
            PerMinute = ReadInt(section, "perMinute", 1, 60_000_000, nullable: true),
            PerHour = ReadInt(section, "perHour", 1, int.MaxValue, nullable: true),
        };
        if (limits is { PerSecond: null, PerMinute: null, PerHour: null } && !section.HasAny("perSecond", "perMinute", "perHour"))
        {
            _diagnostics.Error(section.Path, "names no limit: give \"perSecond\", \"perMinute\" and/or \"perHour\", or write \"limits\": null to use the tier's");
        }

        return limits;
    }

    private DeliverySection ReadDelivery(Section file)
    {
        var section = ReadSection(file, "delivery", s_deliveryKeys) ?? Section.Empty(file.PathOf("delivery"));
        var defaults = new DeliverySection();
        return new DeliverySection
        {
            BatchSize = ReadInt(section, "batchSize", 1, 50, hint: "MemorySync takes at most 50 items per bulk request") ?? defaults.BatchSize,
            MaxConcurrentBatches = ReadInt(section, "maxConcurrentBatches", 1, 64) ?? defaults.MaxConcurrentBatches,
            Deduplicate = ReadBool(section, "deduplicate") ?? defaults.Deduplicate,
            MaxTextLength = ReadInt(section, "maxTextLength", 10, 100_000_000) ?? defaults.MaxTextLength,
        };
    }

    private Dictionary<string, PluginPolicy> ReadPlugins(Section file)
    {
        var policies = new Dictionary<string, PluginPolicy>(StringComparer.Ordinal);
        if (!file.TryGet("plugins", out var plugins) || plugins.ValueKind == JsonValueKind.Null)
        {
            return policies;
        }

        var path = file.PathOf("plugins");
        if (plugins.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, $"must be an object of policies by plugin id, e.g. {{ \"Asana\": {{ \"enabled\": false }} }}, found {Describe(plugins)}");
            return policies;
        }

        foreach (var (id, value) in UniqueMembers(plugins, path))
        {
            var policyPath = JsonPath.Property(path, id);
            if (!PluginId().IsMatch(id))
            {
                _diagnostics.Error(policyPath, $"\"{id}\" is not a plugin id (letters, digits, '.', '-' and '_')");
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                _diagnostics.Error(policyPath, $"must be an object such as {{ \"enabled\": true, \"sha256\": null }}, found {Describe(value)}");
                continue;
            }

            var section = Members(value, policyPath, s_pluginPolicyKeys, $"plugin policy \"{id}\"");
            var sha256 = ReadString(section, "sha256", nullable: true);
            if (sha256 is not null && !Sha256().IsMatch(sha256.Value))
            {
                _diagnostics.Error(section.PathOf("sha256"), "must be 64 hexadecimal digits (the output of \"sha256sum\" on the plugin's main assembly), or null");
            }

            policies[id] = new PluginPolicy
            {
                Enabled = ReadBool(section, "enabled") ?? true,
                Sha256 = sha256?.Value.ToLowerInvariant(),
            };
        }

        return policies;
    }

    private List<ConnectorConfiguration> ReadConnectors(Section file)
    {
        var connectors = new List<ConnectorConfiguration>();
        if (!file.TryGet("connectors", out var array))
        {
            _diagnostics.Warning(JsonPath.Root, "no \"connectors\" are configured: the host will start and do nothing");
            return connectors;
        }

        var path = file.PathOf("connectors");
        if (array.ValueKind != JsonValueKind.Array)
        {
            _diagnostics.Error(path, $"must be an array of connector entries ([ {{ \"name\": ..., \"plugin\": ... }} ]), found {Describe(array)}");
            return connectors;
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var connector = ReadConnector(element, JsonPath.Index(path, index), names);
            if (connector is not null)
            {
                connectors.Add(connector);
            }

            index++;
        }

        if (index == 0)
        {
            _diagnostics.Warning(path, "is empty: the host will start and do nothing");
        }

        return connectors;
    }

    private ConnectorConfiguration? ReadConnector(JsonElement element, string path, Dictionary<string, string> names)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, $"must be a connector entry ({{ \"name\": ..., \"plugin\": ..., \"endUserId\": ... }}), found {Describe(element)}");
            return null;
        }

        var section = Members(element, path, s_connectorKeys, "a connector");
        var name = ReadRequiredString(section, "name", "e.g. \"name\": \"eng-wiki\"");
        if (name is not null)
        {
            if (!ConnectorName().IsMatch(name.Value))
            {
                _diagnostics.Error(section.PathOf("name"), $"\"{name.Raw}\" is not a valid connector name: use lower-case letters, digits, '-', '_' and '.', starting with a letter or digit, at most 64 characters (e.g. \"eng-wiki\")");
            }
            else if (names.TryGetValue(name.Value, out var firstPath))
            {
                _diagnostics.Error(section.PathOf("name"), $"\"{name.Value}\" is already the name of {firstPath}; connector names must be unique");
            }
            else
            {
                names.Add(name.Value, path);
            }
        }

        var plugin = ReadRequiredString(section, "plugin", "the plugin id, e.g. \"plugin\": \"Confluence\"");
        if (plugin is not null && !PluginId().IsMatch(plugin.Value))
        {
            _diagnostics.Error(section.PathOf("plugin"), $"\"{plugin.Raw}\" is not a plugin id (letters, digits, '.', '-' and '_', e.g. \"Confluence\")");
        }

        var endUserId = ReadRequiredString(section, "endUserId", "the MemorySync end user the memories belong to, e.g. \"endUserId\": \"ops-team\"");
        var schedule = ReadString(section, "schedule", nullable: true);
        if (schedule is not null)
        {
            CheckSchedule(schedule, section.PathOf("schedule"));
        }

        var defaults = new ConnectorConfiguration { JsonPath = path, Name = "", Plugin = "", EndUserId = "" };
        var enabled = ReadBool(section, "enabled") ?? defaults.Enabled;
        var referencePaths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return new ConnectorConfiguration
        {
            JsonPath = path,
            Name = name?.Value ?? "",
            Plugin = plugin?.Value ?? "",
            EndUserId = endUserId?.Value ?? "",
            Schedule = schedule?.Value,
            TimeZone = ReadTimeZone(section) ?? defaults.TimeZone,
            MisfirePolicy = ReadChoice(section, "misfirePolicy", s_misfirePolicies) ?? defaults.MisfirePolicy,
            Enabled = enabled,
            RunOnStartup = ReadBool(section, "runOnStartup") ?? defaults.RunOnStartup,
            RunTimeout = section.IsNull("runTimeout") ? null : ReadDuration(section, "runTimeout", allowZero: false) ?? defaults.RunTimeout,
            PruneInterval = ReadDuration(section, "pruneInterval", allowZero: true, nullable: true),
            MaxDeletePercent = ReadInt(section, "maxDeletePercent", 0, 100, hint: "a percentage of the items delivered") ?? defaults.MaxDeletePercent,
            Settings = ReadSettings(section, referencePaths, resolveSecrets: enabled) ?? defaults.Settings,
            SecretReferencePaths = referencePaths,
        };
    }

    private void CheckSchedule(StringValue schedule, string path)
    {
        var fields = schedule.Value.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            _ = CronExpression.Parse(schedule.Value);
        }
        catch (FormatException exception)
        {
            var reason = fields.Length switch
            {
                5 => "it has 5 fields, the Unix crontab form" + UnixReading(schedule.Value),
                < 6 or > 7 when !schedule.Value.StartsWith('@') => $"it has {fields.Length} fields",
                _ => exception.Message.TrimEnd('.'),
            };
            _diagnostics.Error(path, $"\"{schedule.Raw}\" is not a valid Quartz cron expression: {reason} (Quartz cron has 6 or 7 fields, seconds first), e.g. \"0 0/30 * * * ?\" for every 30 minutes");
            return;
        }

        // "* */5 * * * ?" fires every second of every fifth minute; once every five minutes was almost certainly meant.
        if (fields.Length >= 3 && fields[0] == "*" && (fields[1] != "*" || fields[2] != "*"))
        {
            _diagnostics.Warning(path, $"\"{schedule.Raw}\" fires every second of the minutes it matches; to fire once in each, make the first (seconds) field 0: \"0 {string.Join(' ', fields[1..])}\"");
        }
    }

    private static string UnixReading(string expression) =>
        CronExpression.TryParse(expression, CronFormat.Unix, out var unix)
            ? $"; as a crontab line it would be \"{unix!.CronExpressionString}\""
            : "";

    private TimeZoneInfo? ReadTimeZone(Section section)
    {
        var id = ReadString(section, "timeZone");
        if (id is null)
        {
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id.Value);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            var closest = Suggestions.Closest(id.Value, TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id));
            var suggestion = closest is null ? "" : $"; did you mean \"{closest}\"?";
            _diagnostics.Error(section.PathOf("timeZone"), $"\"{id.Raw}\" is not a time zone this machine knows: use an IANA id such as \"UTC\" or \"Europe/Berlin\", or a Windows id such as \"W. Europe Standard Time\"{suggestion}");
            return null;
        }
    }

    /// <summary>
    /// Copies the settings object with its secret references resolved; plugins bind it in stage 2. A disabled
    /// connector's references stay unresolved: an operator may disable a connector precisely because its token is gone.
    /// </summary>
    private JsonElement? ReadSettings(Section connector, HashSet<string> referencePaths, bool resolveSecrets)
    {
        if (!connector.TryGet("settings", out var settings))
        {
            return null;
        }

        var path = connector.PathOf("settings");
        if (settings.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, $"must be an object holding the plugin's settings ({{ ... }}), found {Describe(settings)}");
            return null;
        }

        if (!resolveSecrets)
        {
            return settings.Clone();
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            CopyResolved(settings, path, writer, referencePaths);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private void CopyResolved(JsonElement element, string path, Utf8JsonWriter writer, HashSet<string> referencePaths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var (name, value) in UniqueMembers(element, path))
                {
                    writer.WritePropertyName(name);
                    CopyResolved(value, JsonPath.Property(path, name), writer, referencePaths);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CopyResolved(item, JsonPath.Index(path, index++), writer, referencePaths);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var raw = element.GetString()!;
                var resolved = _secrets.Resolve(raw, path, out var hadReference);
                if (hadReference)
                {
                    referencePaths.Add(path);
                }

                writer.WriteStringValue(resolved ?? raw);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private void WarnIfInlineSecretIsExposed(string path)
    {
        if (_fileMode is { } mode && FileModes.ReadableByGroupOrOthers(mode))
        {
            _diagnostics.Warning(path, InlineSecretWarning(_fullPath, mode));
        }
    }

    /// <summary>The warning for a secret written inline in a file that group or others can read.</summary>
    internal static string InlineSecretWarning(string fullPath, UnixFileMode mode) =>
        $"holds a secret inline, and {fullPath} is readable by group or others (mode {FileModes.Octal(mode)}); restrict it with \"chmod 600 {fullPath}\", or move the secret to ${{env:NAME}} or ${{file:PATH}}";

    // ---- Typed readers: each reports its own errors and answers null when the value is absent or wrong. ----

    private Section Members(JsonElement element, string path, IReadOnlyList<string> known, string what)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value) in UniqueMembers(element, path))
        {
            if (known.Contains(name, StringComparer.Ordinal))
            {
                members[name] = value;
            }
            else
            {
                _diagnostics.Error(JsonPath.Property(path, name), $"unknown key \"{name}\" in {what}{Suggestions.DidYouMean(name, known)}");
            }
        }

        return new Section(path, members);
    }

    /// <summary>An object's members, reporting a key written twice (the JSON reader would silently keep one).</summary>
    private IEnumerable<(string Name, JsonElement Value)> UniqueMembers(JsonElement element, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (seen.Add(property.Name))
            {
                yield return (property.Name, property.Value);
            }
            else
            {
                _diagnostics.Error(JsonPath.Property(path, property.Name), $"\"{property.Name}\" is written twice in the same object; keep one");
            }
        }
    }

    private Section? ReadSection(Section parent, string key, IReadOnlyList<string> known, bool nullable = false)
    {
        if (!parent.TryGet(key, out var value) || (nullable && value.ValueKind == JsonValueKind.Null))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(parent.PathOf(key), $"must be an object ({{ ... }}){(nullable ? " or null" : "")}, found {Describe(value)}");
            return null;
        }

        return Members(value, parent.PathOf(key), known, $"\"{key}\"");
    }

    private StringValue? ReadString(Section section, string key, bool nullable = false)
    {
        if (!section.TryGet(key, out var value) || (nullable && value.ValueKind == JsonValueKind.Null))
        {
            return null;
        }

        var path = section.PathOf(key);
        if (value.ValueKind != JsonValueKind.String)
        {
            _diagnostics.Error(path, $"must be a string in double quotes{(nullable ? " or null" : "")}, found {Describe(value, echoNumber: false)}");
            return null;
        }

        var raw = value.GetString()!;
        var resolved = _secrets.Resolve(raw, path, out var hadReference);
        return resolved is null ? null : new StringValue(resolved, raw, hadReference);
    }

    private StringValue? ReadRequiredString(Section section, string key, string example)
    {
        if (!section.Has(key))
        {
            _diagnostics.Error(section.Path, $"\"{key}\" is required: {example}");
            return null;
        }

        var value = ReadString(section, key);
        if (value is not null && string.IsNullOrWhiteSpace(value.Value))
        {
            _diagnostics.Error(section.PathOf(key), $"must not be empty: {example}");
            return null;
        }

        return value;
    }

    private bool? ReadBool(Section section, string key)
    {
        if (!section.TryGet(key, out var value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        _diagnostics.Error(section.PathOf(key), $"must be true or false (without quotes), found {Describe(value)}");
        return null;
    }

    private int? ReadInt(Section section, string key, int minimum, int maximum, bool nullable = false, string? hint = null)
    {
        if (!section.TryGet(key, out var value) || (nullable && value.ValueKind == JsonValueKind.Null))
        {
            return null;
        }

        var range = maximum == int.MaxValue ? $"{minimum} or more" : $"from {minimum} to {maximum}";
        var because = hint is null ? "" : $" ({hint})";
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var number) || number != decimal.Truncate(number))
        {
            _diagnostics.Error(section.PathOf(key), $"must be a whole number {range}{because}, found {Describe(value)}");
            return null;
        }

        if (number < minimum || number > maximum)
        {
            _diagnostics.Error(section.PathOf(key), $"must be a whole number {range}{because}, found {number.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return (int)number;
    }

    private TimeSpan? ReadDuration(Section section, string key, bool allowZero, bool nullable = false)
    {
        var text = ReadString(section, key, nullable);
        if (text is null)
        {
            return null;
        }

        if (!Durations.TryParse(text.Value, out var duration))
        {
            _diagnostics.Error(section.PathOf(key), $"\"{text.Raw}\" is not a duration: {Durations.Help}");
            return null;
        }

        if (!allowZero && duration == TimeSpan.Zero)
        {
            _diagnostics.Error(section.PathOf(key), "must be longer than zero");
            return null;
        }

        return duration;
    }

    private T? ReadChoice<T>(Section section, string key, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        var text = ReadString(section, key);
        if (text is null)
        {
            return null;
        }

        if (choices.TryGetValue(text.Value, out var choice))
        {
            return choice;
        }

        var names = choices.Keys.ToList();
        var closest = Suggestions.Closest(text.Value, names);
        var suggestion = closest is null ? "" : $"; did you mean \"{closest}\"?";
        _diagnostics.Error(section.PathOf(key), $"\"{text.Raw}\" is not one of {string.Join(", ", names.Select(name => $"\"{name}\""))}{suggestion}");
        return null;
    }

    private Uri? ReadUrl(Section section, string key)
    {
        var text = ReadString(section, key);
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text.Value, UriKind.Absolute, out var url)
            && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            && url.UserInfo.Length == 0)
        {
            return url;
        }

        var shown = text.HadReference ? text.Raw : text.Value;
        _diagnostics.Error(section.PathOf(key), $"\"{shown}\" is not an absolute http:// or https:// address without credentials, e.g. \"https://api.memorysync.io\"");
        return null;
    }

    private string ReadDirectory(Section section, string key, string fallback, bool mustExist)
    {
        var text = ReadString(section, key);
        var path = section.PathOf(key);
        if (text is not null && string.IsNullOrWhiteSpace(text.Value))
        {
            _diagnostics.Error(path, $"must not be empty; the default is \"{fallback}\" (next to the configuration file)");
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(string.IsNullOrWhiteSpace(text?.Value) ? fallback : text.Value, _baseDirectory);
        }
        catch (ArgumentException)
        {
            _diagnostics.Error(path, $"\"{text?.Raw}\" is not a valid folder path");
            return Path.GetFullPath(fallback, _baseDirectory);
        }

        CheckDirectory(fullPath, path, mustExist);
        return fullPath;
    }

    private void CheckDirectory(string fullPath, string path, bool mustExist)
    {
        if (File.Exists(fullPath))
        {
            _diagnostics.Error(path, $"{fullPath} is a file, not a folder; point it at a folder");
        }
        else if (mustExist && !Directory.Exists(fullPath))
        {
            _diagnostics.Error(path, $"the folder {fullPath} does not exist; create it (one sub-folder per plugin) or correct the path (relative paths start at the configuration file's folder)");
        }
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>
    /// A JSON value described for a person, without echoing strings (they may be secrets); numbers are echoed unless
    /// a string was expected (a PIN written without quotes is still a secret).
    /// </summary>
    internal static string Describe(JsonElement value, bool echoNumber = true) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => echoNumber ? $"the number {value.GetRawText()}" : "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    /// <summary>A string as resolved, as written (to echo in messages: references, not secrets), and whether it referenced a secret.</summary>
    private sealed record StringValue(string Value, string Raw, bool HadReference);

    /// <summary>An object's members by name, with its path.</summary>
    private sealed class Section(string path, Dictionary<string, JsonElement> members)
    {
        /// <summary>A section the file leaves out: every key takes its default.</summary>
        public static Section Empty(string path) => new(path, []);

        public string Path { get; } = path;

        public string PathOf(string key) => JsonPath.Property(Path, key);

        public bool Has(string key) => members.ContainsKey(key);

        public bool HasAny(params string[] keys) => keys.Any(members.ContainsKey);

        public bool IsNull(string key) => members.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Null;

        public bool TryGet(string key, out JsonElement value) => members.TryGetValue(key, out value);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectorName();

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PluginId();

    [GeneratedRegex("^[0-9A-Fa-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256();

    private static readonly string[] s_rootKeys = ["$schema", "host", "memorySync", "delivery", "plugins", "connectors"];
    private static readonly string[] s_hostKeys = ["pluginsDirectory", "dataDirectory", "logDirectory", "controlUrl", "allowRemoteControl", "shutdownGracePeriod", "logLevel"];
    private static readonly string[] s_memorySyncKeys = ["baseUrl", "apiKey", "projectId", "tier", "limits", "requestTimeout"];
    private static readonly string[] s_limitKeys = ["perSecond", "perMinute", "perHour"];
    private static readonly string[] s_deliveryKeys = ["batchSize", "maxConcurrentBatches", "deduplicate", "maxTextLength"];
    private static readonly string[] s_pluginPolicyKeys = ["enabled", "sha256"];
    private static readonly string[] s_connectorKeys = ["name", "plugin", "schedule", "timeZone", "misfirePolicy", "endUserId", "enabled", "runOnStartup", "runTimeout", "pruneInterval", "maxDeletePercent", "settings"];

    /// <summary>The keys each object of the file may hold, by where it sits; the schema must list the same.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> KnownKeys { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        ["$"] = s_rootKeys,
        ["$.host"] = s_hostKeys,
        ["$.memorySync"] = s_memorySyncKeys,
        ["$.memorySync.limits"] = s_limitKeys,
        ["$.delivery"] = s_deliveryKeys,
        ["$.plugins.*"] = s_pluginPolicyKeys,
        ["$.connectors[*]"] = s_connectorKeys,
    };

    private static readonly Dictionary<string, MemorySyncTier> s_tiers = Enum.GetValues<MemorySyncTier>().ToDictionary(tier => tier.ToString(), StringComparer.Ordinal);
    private static readonly Dictionary<string, LogLevel> s_logLevels = Enum.GetValues<LogLevel>().ToDictionary(level => level.ToString(), StringComparer.Ordinal);
    private static readonly Dictionary<string, MisfirePolicy> s_misfirePolicies = new(StringComparer.Ordinal)
    {
        ["skip"] = MisfirePolicy.Skip,
        ["fireNow"] = MisfirePolicy.FireNow,
    };

    private readonly string _displayPath;
    private readonly string _fullPath;
    private readonly string _baseDirectory;
    private readonly ConfigurationDiagnostics _diagnostics;
    private readonly UnixFileMode? _fileMode;
    private readonly SecretRegistry _registry = new();
    private readonly SecretReferences _secrets;
}
