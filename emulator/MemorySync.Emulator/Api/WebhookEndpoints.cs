using System.Security.Cryptography;
using System.Text.Json;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Memories;
using MemorySync.Emulator.Webhooks;

namespace MemorySync.Emulator.Api;

/// <summary>The <c>/org/webhooks</c> routes (organisation scoped: no end user).</summary>
internal static class WebhookEndpoints
{
    public static async Task<ApiResult> CreateAsync(HttpContext context, EmulatorRuntime runtime)
    {
        var settings = runtime.Settings.Current;
        var (document, error) = await JsonBodies.ParseAsync(context, settings.ErrorShape);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            var root = document.RootElement;
            object[] loc = ["body"];
            var errors = new List<FieldError>();
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.Validation(context, settings.ErrorShape, [new FieldError(loc, "Input should be a valid dictionary", "dict_type")]);
            }

            var name = MemoryInputReader.RequiredString(root, "name", loc, errors);
            var urlText = MemoryInputReader.RequiredString(root, "url", loc, errors);
            Uri? url = null;
            if (urlText is not null
                && (!Uri.TryCreate(urlText, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            {
                errors.Add(new FieldError([.. loc, "url"], "URL scheme should be 'http' or 'https'", "url_scheme"));
            }

            var events = MemoryInputReader.ReadStrings(root, "events", loc, errors, static e => e.Trim());
            if (events is null)
            {
                errors.Add(new FieldError([.. loc, "events"], "Field required", "missing"));
            }
            else if (events.Count == 0)
            {
                errors.Add(new FieldError([.. loc, "events"], "List should have at least 1 item", "too_short"));
            }
            else if (events.FirstOrDefault(e => !WebhookEvents.All.Contains(e)) is { } unknown)
            {
                errors.Add(new FieldError([.. loc, "events"], $"Unknown event type '{unknown}'", "value_error"));
            }

            var secret = MemoryInputReader.OptionalString(root, "secret", loc, errors);
            var authName = MemoryInputReader.OptionalString(root, "auth_header_name", loc, errors);
            var authValue = MemoryInputReader.OptionalString(root, "auth_header_value", loc, errors);
            if ((authName is null) != (authValue is null))
            {
                errors.Add(new FieldError([.. loc, "auth_header_value"], "auth_header_name and auth_header_value go together", "value_error"));
            }

            var signature = ReadSignature(root, runtime.Options.WebhookSignature, loc, errors);
            int? maxAttempts = null;
            if (root.TryGetProperty("retry_config", out var retry) && retry.ValueKind == JsonValueKind.Object
                && retry.TryGetProperty("max_attempts", out var attempts))
            {
                if (attempts.TryGetInt32(out var value) && value is >= 1 and <= 20)
                {
                    maxAttempts = value;
                }
                else
                {
                    errors.Add(new FieldError([.. loc, "retry_config", "max_attempts"], "Input should be an integer from 1 to 20", "value_error"));
                }
            }

            var description = MemoryInputReader.OptionalString(root, "description", loc, errors);
            var projectId = MemoryInputReader.OptionalString(root, "project_id", loc, errors);
            if (errors.Count > 0)
            {
                return ApiErrors.Validation(context, settings.ErrorShape, errors);
            }

            var webhook = runtime.Webhooks.Add(new Webhook
            {
                Id = $"wh_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}",
                Name = name!,
                Url = url!,
                Events = events!,
                Secret = secret ?? $"whsec_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}",
                AuthHeaderName = authName,
                AuthHeaderValue = authValue,
                Signature = signature!,
                Description = description,
                ProjectId = projectId,
                MaxAttempts = maxAttempts,
                CreatedAt = runtime.Time.GetUtcNow(),
            });

            // The secret is shown once, when the webhook is created.
            return ApiResult.Json(201, ToResponse(webhook) with { Secret = webhook.Secret }, EmulatorJson.Default.WebhookResponse);
        }
    }

    public static ApiResult List(EmulatorRuntime runtime) =>
        ApiResult.Json(
            200, new WebhookListResponse([.. runtime.Webhooks.List().Select(ToResponse)]), EmulatorJson.Default.WebhookListResponse);

    public static ApiResult Get(HttpContext context, EmulatorRuntime runtime, string id) =>
        runtime.Webhooks.Get(id) is { } webhook
            ? ApiResult.Json(200, ToResponse(webhook), EmulatorJson.Default.WebhookResponse)
            : ApiPipeline.Error(context, runtime, 404, $"Webhook {id} not found");

    public static ApiResult Delete(HttpContext context, EmulatorRuntime runtime, string id) =>
        runtime.Webhooks.Remove(id)
            ? ApiResult.Json(200, new DeletedResponse(id, true), EmulatorJson.Default.DeletedResponse)
            : ApiPipeline.Error(context, runtime, 404, $"Webhook {id} not found");

    private static WebhookResponse ToResponse(Webhook webhook) => new(
        webhook.Id,
        webhook.Name,
        webhook.Url.ToString(),
        webhook.Events,
        webhook.Description,
        webhook.ProjectId,
        Active: true,
        webhook.CreatedAt,
        new WebhookSignatureResponse(
            webhook.Signature.Header,
            webhook.Signature.Algorithm,
            webhook.Signature.Encoding,
            webhook.Signature.Prefix ?? webhook.Signature.Algorithm + "="),
        webhook.AuthHeaderName,
        Secret: null);

    private static WebhookSignatureOptions? ReadSignature(
        JsonElement root, WebhookSignatureOptions defaults, object[] loc, List<FieldError> errors)
    {
        if (!root.TryGetProperty("signature_config", out var config) || config.ValueKind == JsonValueKind.Null)
        {
            return defaults;
        }

        object[] at = [.. loc, "signature_config"];
        if (config.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError(at, "Input should be a valid dictionary", "dict_type"));
            return null;
        }

        var algorithm = MemoryInputReader.OptionalString(config, "algorithm", at, errors)?.ToLowerInvariant().Replace("hmac-", string.Empty, StringComparison.Ordinal);
        var signature = defaults with
        {
            Header = MemoryInputReader.OptionalString(config, "header", at, errors) ?? defaults.Header,
            Algorithm = algorithm ?? defaults.Algorithm,
            Encoding = MemoryInputReader.OptionalString(config, "encoding", at, errors) ?? defaults.Encoding,
            Prefix = MemoryInputReader.OptionalString(config, "prefix", at, errors) ?? (algorithm is null ? defaults.Prefix : null),
        };
        try
        {
            signature.Validate();
        }
        catch (ArgumentException exception)
        {
            errors.Add(new FieldError(at, exception.Message, "value_error"));
        }

        return signature;
    }
}
