using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Configuration;

internal static partial class ConfigurationLoader
{
    /// <summary>
    /// Stage 2: binds each enabled connector's <c>settings</c> to its plugin's options type and validates it with
    /// DataAnnotations (nested objects, collections and <see cref="IValidatableObject"/> included). Stores the bound
    /// object on the connector, or marks the connector unavailable when its plugin cannot run (not an error: the host
    /// runs the others). Values of <see cref="SecretAttribute"/> properties join <see cref="HostConfiguration.Secrets"/>.
    /// </summary>
    /// <param name="configuration">What <see cref="Load"/> returned.</param>
    /// <param name="plugins">The loaded plugins.</param>
    /// <exception cref="ConfigurationException">A connector names an unknown plugin or has invalid settings; every error is listed.</exception>
    public static void BindConnectorSettings(HostConfiguration configuration, IPluginOptionsSource plugins)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(plugins);
        var diagnostics = new ConfigurationDiagnostics();
        foreach (var connector in configuration.Connectors)
        {
            if (!connector.Enabled)
            {
                connector.Availability = ConnectorAvailability.NotBound;
                diagnostics.Warning(connector.JsonPath, $"connector \"{connector.Name}\" is disabled: its settings were not validated");
                continue;
            }

            var resolution = plugins.Resolve(connector.Plugin);
            switch (resolution.Status)
            {
                case PluginOptionsStatus.Unknown:
                    diagnostics.Error(JsonPath.Property(connector.JsonPath, "plugin"), UnknownPlugin(connector.Plugin, configuration, plugins));
                    break;
                case PluginOptionsStatus.Unavailable:
                    MarkUnavailable(connector, resolution.Reason!, diagnostics);
                    break;
                default:
                    new ConnectorSettingsBinder(configuration, connector, diagnostics).Bind(resolution.OptionsType!);
                    break;
            }
        }

        diagnostics.ThrowIfErrors(configuration.DisplayPath);
        foreach (var warning in diagnostics.Warnings)
        {
            configuration.AddWarning(warning);
        }
    }

    internal static void MarkUnavailable(ConnectorConfiguration connector, string reason, ConfigurationDiagnostics diagnostics)
    {
        connector.Availability = ConnectorAvailability.Unavailable;
        connector.UnavailableReason = reason;
        connector.Options = null;
        diagnostics.Warning(connector.JsonPath, $"connector \"{connector.Name}\" will not run: plugin \"{connector.Plugin}\" is unavailable ({reason})");
    }

    private static string UnknownPlugin(string pluginId, HostConfiguration configuration, IPluginOptionsSource plugins)
    {
        var ids = plugins.PluginIds.Order(StringComparer.Ordinal).ToList();
        var closest = Suggestions.Closest(pluginId, ids);
        var suggestion = closest is null ? "" : $" (did you mean \"{closest}\"?)";
        var present = ids.Count == 0
            ? $"{configuration.Host.PluginsDirectory} holds no plugin"
            : $"the plugins in {configuration.Host.PluginsDirectory} are {string.Join(", ", ids.Select(id => $"\"{id}\""))}";
        return $"no plugin has the id \"{pluginId}\"{suggestion}; {present} (drop the plugin's folder there and restart, or correct the id)";
    }
}

/// <summary>Binds and validates one connector's settings against its plugin's options type.</summary>
internal sealed partial class ConnectorSettingsBinder
{
    public ConnectorSettingsBinder(HostConfiguration configuration, ConnectorConfiguration connector, ConfigurationDiagnostics diagnostics)
    {
        _configuration = configuration;
        _connector = connector;
        _outer = diagnostics;
        _settingsPath = JsonPath.Property(connector.JsonPath, "settings");
    }

    /// <summary>How settings bind: case-insensitive camelCase, unknown keys refused, enums as strings, either duration form.</summary>
    internal static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false), new DurationJsonConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>
    /// Binds and validates; reports into the diagnostics given at construction. A settings type that cannot be bound
    /// at all is the plugin's defect: the connector is marked unavailable and what was found so far is dropped.
    /// </summary>
    public void Bind(Type optionsType)
    {
        try
        {
            BindAndValidate(optionsType);
            _outer.Add(_diagnostics);
        }
        catch (Exception exception) when (exception is NotSupportedException or InvalidOperationException
            or MissingMethodException or TargetInvocationException or ArgumentException or ValidationException)
        {
            ConfigurationLoader.MarkUnavailable(_connector,
                $"its settings type {optionsType.FullName} cannot be bound or validated: {(exception as TargetInvocationException)?.InnerException?.Message ?? exception.Message}",
                _outer);
        }
    }

    private void BindAndValidate(Type optionsType)
    {
        CheckShape(_connector.Settings, optionsType, _settingsPath);
        if (_diagnostics.HasErrors)
        {
            return;
        }

        object? options;
        try
        {
            options = _connector.Settings.Deserialize(optionsType, SerializerOptions);
        }
        catch (JsonException exception)
        {
            var suffix = exception.Path is { Length: > 1 } p ? p[1..] : "";
            _diagnostics.Error(_settingsPath + suffix, ExceptionPosition().Replace(exception.Message, "").Trim());
            return;
        }

        if (options is null)
        {
            _diagnostics.Error(_settingsPath, "must be an object holding the plugin's settings");
            return;
        }

        var secrets = new List<string>();
        ValidateObject(options, _settingsPath, secrets, new HashSet<object>(ReferenceEqualityComparer.Instance));
        if (_diagnostics.HasErrors)
        {
            return;
        }

        foreach (var secret in secrets)
        {
            _configuration.Secrets.Add(secret);
        }

        _connector.Options = options;
        _connector.Availability = ConnectorAvailability.Available;
    }

    // ---- Shape: every unknown key and wrong type at once, with JSON paths, before the deserializer stops at one. ----

    private void CheckShape(JsonElement element, Type type, string path)
    {
        var info = SerializerOptions.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                CheckObject(element, info, path);
                break;
            case JsonTypeInfoKind.Enumerable when element.ValueKind == JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckValue(item, info.ElementType!, JsonPath.Index(path, index++), nullable: !info.ElementType!.IsValueType);
                }

                break;
            case JsonTypeInfoKind.Enumerable:
                _diagnostics.Error(path, $"must be a list ([ ... ]), found {ConfigurationFileReader.Describe(element)}");
                break;
            case JsonTypeInfoKind.Dictionary when element.ValueKind == JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    CheckValue(property.Value, info.ElementType!, JsonPath.Property(path, property.Name), nullable: !info.ElementType!.IsValueType);
                }

                break;
            case JsonTypeInfoKind.Dictionary:
                _diagnostics.Error(path, $"must be an object ({{ ... }}), found {ConfigurationFileReader.Describe(element)}");
                break;
            default:
                CheckScalar(element, type, path);
                break;
        }
    }

    private void CheckValue(JsonElement value, Type type, string path, bool nullable)
    {
        if (value.ValueKind != JsonValueKind.Null)
        {
            CheckShape(value, type, path);
        }
        else if (!nullable && Nullable.GetUnderlyingType(type) is null)
        {
            _diagnostics.Error(path, "must not be null; leave the setting out to take its default");
        }
    }

    private void CheckObject(JsonElement element, JsonTypeInfo info, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            _diagnostics.Error(path, $"must be an object ({{ ... }}), found {ConfigurationFileReader.Describe(element)}");
            return;
        }

        var properties = info.Properties.Where(property => !property.IsExtensionData).ToList();
        var byName = properties.GroupBy(property => property.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => group.First(), StringComparer.OrdinalIgnoreCase);
        var acceptsAnyKey = info.Properties.Any(property => property.IsExtensionData);
        var known = properties.Select(property => property.Name).ToList();
        var seen = new HashSet<JsonPropertyInfo>();
        foreach (var member in element.EnumerateObject())
        {
            var memberPath = JsonPath.Property(path, member.Name);
            if (byName.TryGetValue(member.Name, out var property))
            {
                seen.Add(property);
                CheckValue(member.Value, property.PropertyType, memberPath, property.IsSetNullable);
            }
            else if (!acceptsAnyKey)
            {
                var closest = Suggestions.Closest(member.Name, known);
                var suggestion = closest is null ? "" : $"; did you mean \"{closest}\"?";
                var list = known.Count == 0 ? "it takes no settings" : $"known settings: {string.Join(", ", known)}";
                _diagnostics.Error(memberPath, $"unknown setting \"{member.Name}\" for plugin {_connector.Plugin}{suggestion} ({list})");
            }
        }

        foreach (var property in properties.Where(property => property.IsRequired && !seen.Contains(property)))
        {
            _diagnostics.Error(path, $"\"{property.Name}\" is required");
        }
    }

    private void CheckScalar(JsonElement element, Type declared, string path)
    {
        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        var kind = element.ValueKind;
        var found = ConfigurationFileReader.Describe(element);
        if (type == typeof(string) || type == typeof(Uri))
        {
            Expect(kind == JsonValueKind.String, path, $"must be a string in double quotes, found {ConfigurationFileReader.Describe(element, echoNumber: false)}");
        }
        else if (type == typeof(bool))
        {
            Expect(kind is JsonValueKind.True or JsonValueKind.False, path, $"must be true or false (without quotes), found {found}");
        }
        else if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(name => JsonNamingPolicy.CamelCase.ConvertName(name)).ToList();
            if (kind != JsonValueKind.String)
            {
                _diagnostics.Error(path, $"must be one of {Quoted(names)}, found {found}");
            }
            else if (!Enum.TryParse(type, element.GetString(), ignoreCase: true, out _) || int.TryParse(element.GetString(), CultureInfo.InvariantCulture, out _))
            {
                var closest = Suggestions.Closest(element.GetString()!, names);
                _diagnostics.Error(path, $"{Echo(element, path)} is not one of {Quoted(names)}{(closest is null ? "" : $"; did you mean \"{closest}\"?")}");
            }
        }
        else if (IntegerRange(type) is { } range)
        {
            var number = 0m;
            if (kind != JsonValueKind.Number || !element.TryGetDecimal(out number) || number != decimal.Truncate(number))
            {
                _diagnostics.Error(path, $"must be a whole number, found {found}");
            }
            else if (number < range.Minimum || number > range.Maximum)
            {
                _diagnostics.Error(path, $"must be a whole number from {range.Minimum} to {range.Maximum}, found {found}");
            }
        }
        else if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            Expect(kind == JsonValueKind.Number, path, $"must be a number, found {found}");
        }
        else if (type == typeof(TimeSpan))
        {
            Expect(kind == JsonValueKind.String && Durations.TryParse(element.GetString()!, out _), path,
                kind == JsonValueKind.String ? $"{Echo(element, path)} is not a duration: {Durations.Help}" : $"must be a duration in double quotes ({Durations.Help}), found {found}");
        }
        else if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            Expect(kind == JsonValueKind.String && element.TryGetDateTimeOffset(out _), path,
                $"must be a date and time in ISO 8601 form, e.g. \"2025-01-31T08:00:00Z\", found {found}");
        }
        else if (type == typeof(Guid))
        {
            Expect(kind == JsonValueKind.String && element.TryGetGuid(out _), path, $"must be a GUID in double quotes, found {found}");
        }
    }

    private void Expect(bool condition, string path, string message)
    {
        if (!condition)
        {
            _diagnostics.Error(path, message);
        }
    }

    /// <summary>A string value for a message: the text as written, unless it came from a secret reference.</summary>
    private string Echo(JsonElement element, string path) =>
        _connector.SecretReferencePaths.Contains(path) ? "the value of its reference" : $"\"{element.GetString()}\"";

    private static string Quoted(IEnumerable<string> names) => string.Join(", ", names.Select(name => $"\"{name}\""));

    private static (decimal Minimum, decimal Maximum)? IntegerRange(Type type) => type switch
    {
        _ when type == typeof(int) => (int.MinValue, int.MaxValue),
        _ when type == typeof(long) => (long.MinValue, long.MaxValue),
        _ when type == typeof(short) => (short.MinValue, short.MaxValue),
        _ when type == typeof(byte) => (byte.MinValue, byte.MaxValue),
        _ when type == typeof(sbyte) => (sbyte.MinValue, sbyte.MaxValue),
        _ when type == typeof(uint) => (uint.MinValue, uint.MaxValue),
        _ when type == typeof(ulong) => (ulong.MinValue, ulong.MaxValue),
        _ when type == typeof(ushort) => (ushort.MinValue, ushort.MaxValue),
        _ => null,
    };

    // ---- Validation: DataAnnotations on every object reachable from the settings, with JSON paths. ----

    private void ValidateObject(object instance, string path, List<string> secrets, HashSet<object> visited)
    {
        if (!visited.Add(instance))
        {
            return;
        }

        var type = instance.GetType();
        var jsonNames = JsonNames(type);
        var context = new ValidationContext(instance);
        var valid = true;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var value = property.GetValue(instance);
            var jsonName = jsonNames.GetValueOrDefault(property.Name) ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var propertyPath = JsonPath.Property(path, jsonName);
            var results = new List<ValidationResult>();
            var propertyContext = new ValidationContext(instance) { MemberName = property.Name, DisplayName = jsonName };
            if (!Validator.TryValidateProperty(value, propertyContext, results))
            {
                valid = false;
                Report(results, type, path, propertyPath);
            }

            if (property.IsDefined(typeof(SecretAttribute), inherit: true))
            {
                CollectSecrets(value, propertyPath, secrets);
            }

            Descend(value, propertyPath, secrets, visited);
        }

        var typeResults = new List<ValidationResult>();
        var typeAttributes = type.GetCustomAttributes<ValidationAttribute>(inherit: true);
        if (!Validator.TryValidateValue(instance, context, typeResults, typeAttributes))
        {
            valid = false;
            Report(typeResults, type, path, path);
        }

        // As DataAnnotations does: an object's own Validate runs only once its properties are valid.
        if (valid && instance is IValidatableObject validatable)
        {
            Report(validatable.Validate(context).Where(result => result != ValidationResult.Success).ToList(), type, path, path);
        }
    }

    private void Descend(object? value, string path, List<string> secrets, HashSet<object> visited)
    {
        if (value is null || IsLeaf(value.GetType()))
        {
            return;
        }

        if (value is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                Descend(entry.Value, JsonPath.Property(path, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""), secrets, visited);
            }
        }
        else if (value is IEnumerable sequence)
        {
            var index = 0;
            foreach (var item in sequence)
            {
                Descend(item, JsonPath.Index(path, index++), secrets, visited);
            }
        }
        else
        {
            ValidateObject(value, path, secrets, visited);
        }
    }

    /// <summary>Framework types (strings, numbers, dates, URIs, JSON values) hold no validation attributes to walk.</summary>
    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string)
        || (type.Namespace is { } ns && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal)) && !typeof(IEnumerable).IsAssignableFrom(type));

    private void CollectSecrets(object? value, string path, List<string> secrets)
    {
        switch (value)
        {
            case string text when text.Length > 0:
                secrets.Add(text);
                if (!_connector.SecretReferencePaths.Contains(path) && _configuration.FileMode is { } mode && FileModes.ReadableByGroupOrOthers(mode))
                {
                    _diagnostics.Warning(path, ConfigurationFileReader.InlineSecretWarning(_configuration.FilePath, mode));
                }

                break;
            case IEnumerable<string> texts:
                var index = 0;
                foreach (var text in texts)
                {
                    CollectSecrets(text, JsonPath.Index(path, index++), secrets);
                }

                break;
        }
    }

    private void Report(IReadOnlyCollection<ValidationResult> results, Type type, string objectPath, string defaultPath)
    {
        foreach (var result in results)
        {
            var message = result.ErrorMessage ?? "is not valid";
            var members = result.MemberNames.Where(name => !string.IsNullOrEmpty(name)).ToList();
            if (members.Count == 0 || defaultPath != objectPath)
            {
                _diagnostics.Error(defaultPath, message);
                continue;
            }

            foreach (var member in members)
            {
                _diagnostics.Error(MemberPath(type, objectPath, member), message);
            }
        }
    }

    /// <summary>Turns a member name a validator reported ("Spaces[0]", "Proxy.Url") into a JSON path.</summary>
    private static string MemberPath(Type type, string objectPath, string memberName)
    {
        var path = objectPath;
        Type? current = type;
        foreach (var segment in memberName.Split('.'))
        {
            var match = MemberSegment().Match(segment);
            if (!match.Success)
            {
                return JsonPath.Property(path, segment);
            }

            var name = match.Groups["name"].Value;
            var jsonName = (current is null ? null : JsonNames(current).GetValueOrDefault(name)) ?? JsonNamingPolicy.CamelCase.ConvertName(name);
            path = JsonPath.Property(path, jsonName) + match.Groups["indexes"].Value;
            current = current?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.PropertyType;
            if (current is not null && match.Groups["indexes"].Length > 0)
            {
                current = current.IsArray ? current.GetElementType() : current.GetGenericArguments().LastOrDefault();
            }
        }

        return path;
    }

    /// <summary>CLR property name to JSON name, as the serializer binds them.</summary>
    private static Dictionary<string, string> JsonNames(Type type)
    {
        var info = SerializerOptions.GetTypeInfo(type);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return names;
        }

        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider is MemberInfo member)
            {
                names.TryAdd(member.Name, property.Name);
            }
        }

        return names;
    }

    [GeneratedRegex(@"^(?<name>[^\[\]]+)(?<indexes>(\[[^\]]*\])*)$", RegexOptions.CultureInvariant)]
    private static partial Regex MemberSegment();

    [GeneratedRegex(@"\s*Path: \S*( \| LineNumber: \d+ \| BytePositionInLine: \d+)?\.?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionPosition();

    private readonly HostConfiguration _configuration;
    private readonly ConnectorConfiguration _connector;
    private readonly ConfigurationDiagnostics _outer;
    private readonly ConfigurationDiagnostics _diagnostics = new();
    private readonly string _settingsPath;
}
