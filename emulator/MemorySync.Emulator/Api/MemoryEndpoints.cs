using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Memories;
using MemorySync.Emulator.Webhooks;

namespace MemorySync.Emulator.Api;

/// <summary>The <c>/memory/*</c> routes.</summary>
internal static class MemoryEndpoints
{
    public const int MaxBulkItems = 50;
    public const int DefaultK = 5;
    public const int MaxK = 50;

    public static async Task<ApiResult> AddAsync(HttpContext context, EmulatorRuntime runtime)
    {
        var settings = runtime.Settings.Current;
        var (document, error) = await JsonBodies.ParseAsync(context, settings.ErrorShape);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            var errors = new List<FieldError>();
            var input = MemoryInputReader.Read(document.RootElement, ["body"], errors, readDeduplicate: true);
            if (input is not null && settings.Refusal(input.Text) is not null)
            {
                errors.Add(new FieldError(["body", "text"], "Refused by the content policy", "content_policy"));
                input = null;
            }

            if (input is null)
            {
                runtime.Metrics.Items(0, 0, 0, 1);
                return ApiErrors.Validation(context, settings.ErrorShape, errors);
            }

            var endUserId = RequestState.Of(context).EndUserId!;
            var outcome = runtime.Store.AddMany(endUserId, [input], input.Deduplicate ?? true, settings.Extraction)[0];
            if (outcome.Status == ItemStatus.Skipped)
            {
                runtime.Metrics.Items(0, 0, 1, 0);
                return ApiResult.Json(
                    200,
                    new SkippedResponse("skipped", outcome.Reason!, outcome.Reason == "duplicate" ? "deduplicated" : null),
                    EmulatorJson.Default.SkippedResponse);
            }

            runtime.Metrics.Items(1, outcome.Memories.Count, 0, 0);
            foreach (var memory in outcome.Memories)
            {
                runtime.Webhooks.Publish(WebhookEvents.MemoryCreated, json => WriteMemory(json, memory));
            }

            // Extraction may store several memories; the service answers with the first one only.
            return ApiResult.Json(201, MemoryResponse.From(outcome.Memories[0], settings.IdStyle), EmulatorJson.Default.MemoryResponse);
        }
    }

    public static async Task<ApiResult> BulkAddAsync(HttpContext context, EmulatorRuntime runtime)
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
            var errors = new List<FieldError>();
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.Validation(
                    context, settings.ErrorShape, [new FieldError(["body"], "Input should be a valid dictionary", "dict_type")]);
            }

            var deduplicate = MemoryInputReader.OptionalBool(root, "deduplicate", ["body"], errors) ?? true;
            if (!root.TryGetProperty("items", out var items))
            {
                errors.Add(new FieldError(["body", "items"], "Field required", "missing"));
            }
            else if (items.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new FieldError(["body", "items"], "Input should be a valid list", "list_type"));
            }
            else if (items.GetArrayLength() is 0 or > MaxBulkItems)
            {
                errors.Add(items.GetArrayLength() == 0
                    ? new FieldError(["body", "items"], "List should have at least 1 item after validation, not 0", "too_short")
                    : new FieldError(
                        ["body", "items"],
                        $"List should have at most {MaxBulkItems} items after validation, not {items.GetArrayLength()}",
                        "too_long"));
            }

            if (errors.Count > 0)
            {
                return ApiErrors.Validation(context, settings.ErrorShape, errors);
            }

            var inputs = new List<MemoryInput?>(items.GetArrayLength());
            var reasons = new List<string?>(items.GetArrayLength());
            var index = 0;
            foreach (var item in items.EnumerateArray())
            {
                var itemErrors = new List<FieldError>();
                var input = MemoryInputReader.Read(item, ["body", "items", index], itemErrors, readDeduplicate: false);
                var refusal = input is null ? null : settings.Refusal(input.Text);
                inputs.Add(refusal is null ? input : null);
                reasons.Add(refusal ?? (itemErrors.Count == 0 ? null : string.Join("; ", itemErrors.Select(e => e.Describe(skip: 3)))));
                index++;
            }

            var endUserId = RequestState.Of(context).EndUserId!;
            var outcomes = runtime.Store.AddMany(endUserId, inputs, deduplicate, settings.Extraction);
            var results = new List<BulkItemResponse>(outcomes.Count);
            int created = 0, skipped = 0, rejected = 0, memories = 0;
            var ids = new List<long>();
            for (var i = 0; i < outcomes.Count; i++)
            {
                var outcome = outcomes[i];
                switch (outcome.Status)
                {
                    case ItemStatus.Created:
                        created++;
                        memories += outcome.Memories.Count;
                        var itemIds = outcome.Memories.Select(m => m.Id).ToArray();
                        ids.AddRange(itemIds);
                        results.Add(new BulkItemResponse(i, "created", MemoryIds.Write(itemIds, settings.IdStyle), null));
                        break;
                    case ItemStatus.Skipped:
                        skipped++;
                        results.Add(new BulkItemResponse(i, "skipped", [], outcome.Reason));
                        break;
                    default:
                        rejected++;
                        results.Add(new BulkItemResponse(i, "rejected", [], reasons[i]));
                        break;
                }
            }

            runtime.Metrics.Items(created, memories, skipped, rejected);
            if (ids.Count > 0)
            {
                runtime.Webhooks.Publish(WebhookEvents.MemoryBatchCreated, json =>
                {
                    json.WriteString("end_user_id", endUserId);
                    json.WriteNumber("count", ids.Count);
                    json.WriteStartArray("memory_ids");
                    foreach (var id in ids)
                    {
                        json.WriteNumberValue(id);
                    }

                    json.WriteEndArray();
                });
            }

            return ApiResult.Json(
                207,
                new BulkAddResponse(outcomes.Count, created, skipped, rejected, results),
                EmulatorJson.Default.BulkAddResponse);
        }
    }

    public static async Task<ApiResult> QueryAsync(HttpContext context, EmulatorRuntime runtime)
    {
        var started = Stopwatch.GetTimestamp();
        var settings = runtime.Settings.Current;
        var (document, error) = await JsonBodies.ParseAsync(context, settings.ErrorShape);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            var errors = new List<FieldError>();
            var query = QueryReader.Read(document.RootElement, errors);
            if (query is null)
            {
                return ApiErrors.Validation(context, settings.ErrorShape, errors);
            }

            var endUserId = RequestState.Of(context).EndUserId!;
            var corpus = runtime.Store.Live(endUserId).Where(query.Matches).ToList();
            var found = Bm25.Rank(corpus, query.Text)
                .Take(query.K)
                .Select(hit => MemoryResponse.From(hit.Memory, settings.IdStyle) with { Score = hit.Score })
                .ToList();
            runtime.Webhooks.Publish(WebhookEvents.MemoryQueried, json =>
            {
                json.WriteString("end_user_id", endUserId);
                json.WriteString("query", query.Text);
                json.WriteNumber("count", found.Count);
            });
            var latency = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
            return ApiResult.Json(200, new QueryResponse(found, latency), EmulatorJson.Default.QueryResponse);
        }
    }

    public static ApiResult Get(HttpContext context, EmulatorRuntime runtime, string id)
    {
        var settings = runtime.Settings.Current;
        if (!TryParseId(id, out var memoryId))
        {
            return InvalidId(context, settings.ErrorShape);
        }

        var memory = runtime.Store.Get(RequestState.Of(context).EndUserId!, memoryId);
        return memory is null
            ? NotFound(context, runtime, memoryId)
            : ApiResult.Json(200, MemoryResponse.From(memory, settings.IdStyle), EmulatorJson.Default.MemoryResponse);
    }

    public static async Task<ApiResult> PatchAsync(HttpContext context, EmulatorRuntime runtime, string id)
    {
        var settings = runtime.Settings.Current;
        if (!TryParseId(id, out var memoryId))
        {
            return InvalidId(context, settings.ErrorShape);
        }

        var (document, error) = await JsonBodies.ParseAsync(context, settings.ErrorShape);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            var root = document.RootElement;
            var errors = new List<FieldError>();
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.Validation(
                    context, settings.ErrorShape, [new FieldError(["body"], "Input should be a valid dictionary", "dict_type")]);
            }

            foreach (var immutable in new[] { "text", "content" })
            {
                if (root.TryGetProperty(immutable, out _))
                {
                    errors.Add(new FieldError(
                        ["body", immutable],
                        "Memory text cannot be edited in place; add a new memory and forget the old one",
                        "immutable_field"));
                }
            }

            var source = MemoryInputReader.OptionalString(root, "source", ["body"], errors);
            if (source is { Length: > MemoryInputReader.MaxSourceLength })
            {
                errors.Add(new FieldError(
                    ["body", "source"],
                    $"String should have at most {MemoryInputReader.MaxSourceLength} characters",
                    "string_too_long"));
            }

            var eventType = MemoryInputReader.OptionalString(root, "event_type", ["body"], errors);
            var tags = MemoryInputReader.ReadTags(root, "tags", ["body"], errors);
            var importance = MemoryInputReader.ReadImportance(root, ["body"], errors);
            var metadata = MemoryInputReader.ReadMetadata(root, ["body"], errors);
            if (errors.Count > 0)
            {
                return ApiErrors.Validation(context, settings.ErrorShape, errors);
            }

            var updated = runtime.Store.UpdateLabels(RequestState.Of(context).EndUserId!, memoryId, memory => memory with
            {
                Source = source ?? memory.Source,
                EventType = eventType ?? memory.EventType,
                Tags = tags ?? memory.Tags,
                Importance = importance ?? memory.Importance,
                Metadata = metadata ?? memory.Metadata,
            });
            if (updated is null)
            {
                return NotFound(context, runtime, memoryId);
            }

            runtime.Webhooks.Publish(WebhookEvents.MemoryUpdated, json => WriteMemory(json, updated));
            return ApiResult.Json(200, MemoryResponse.From(updated, settings.IdStyle), EmulatorJson.Default.MemoryResponse);
        }
    }

    public static async Task<ApiResult> ForgetAsync(HttpContext context, EmulatorRuntime runtime)
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
            var errors = new List<FieldError>();
            var ids = new List<long>();
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("memory_ids", out var list))
            {
                errors.Add(new FieldError(["body", "memory_ids"], "Field required", "missing"));
            }
            else if (list.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new FieldError(["body", "memory_ids"], "Input should be a valid list", "list_type"));
            }
            else
            {
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out var number))
                    {
                        ids.Add(number);
                    }
                    else if (item.ValueKind == JsonValueKind.String && TryParseId(item.GetString()!, out var parsed))
                    {
                        ids.Add(parsed);
                    }
                    else
                    {
                        errors.Add(new FieldError(["body", "memory_ids", index], "Input should be a valid integer", "int_parsing"));
                    }

                    index++;
                }
            }

            if (errors.Count > 0)
            {
                return ApiErrors.Validation(context, settings.ErrorShape, errors);
            }

            var endUserId = RequestState.Of(context).EndUserId!;
            var deleted = runtime.Store.Forget(endUserId, ids);
            runtime.Metrics.Forgot(deleted.Count);
            foreach (var id in deleted)
            {
                runtime.Webhooks.Publish(WebhookEvents.MemoryDeleted, json =>
                {
                    json.WriteNumber("memory_id", id);
                    json.WriteString("end_user_id", endUserId);
                });
            }

            return ApiResult.Json(200, new ForgetResponse(MemoryIds.Write(deleted, settings.IdStyle), deleted.Count), EmulatorJson.Default.ForgetResponse);
        }
    }

    public static ApiResult Export(HttpContext context, EmulatorRuntime runtime)
    {
        var endUserId = RequestState.Of(context).EndUserId!;
        var style = runtime.Settings.Current.IdStyle;
        var memories = runtime.Store.Live(endUserId).Select(memory => MemoryResponse.From(memory, style)).ToList();
        return ApiResult.Json(
            200, new ExportResponse(endUserId, memories, runtime.Time.GetUtcNow()), EmulatorJson.Default.ExportResponse);
    }

    /// <summary>Ids are integers; some surfaces write them as <c>m_&lt;n&gt;</c>, which is accepted too.</summary>
    public static bool TryParseId(string text, out long id) =>
        long.TryParse(text.StartsWith("m_", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
        && id > 0;

    private static void WriteMemory(Utf8JsonWriter json, StoredMemory memory)
    {
        json.WritePropertyName("memory");
        JsonSerializer.Serialize(json, MemoryResponse.From(memory, IdStyle.Numeric), EmulatorJson.Default.MemoryResponse);
        json.WriteString("end_user_id", memory.EndUserId);
    }

    private static ApiResult InvalidId(HttpContext context, ErrorShape shape) =>
        ApiErrors.Validation(context, shape, [new FieldError(["path", "memory_id"], "Input should be a valid integer", "int_parsing")]);

    private static ApiResult NotFound(HttpContext context, EmulatorRuntime runtime, long id) =>
        ApiPipeline.Error(context, runtime, 404, $"Memory {id} not found");
}

/// <summary>Parses request bodies as JSON, answering 422 like FastAPI when they are not.</summary>
internal static class JsonBodies
{
    public static async ValueTask<(JsonDocument? Document, ApiResult? Error)> ParseAsync(HttpContext context, ErrorShape shape)
    {
        var body = await RequestBodies.ReadAsync(context);
        if (body.Length == 0)
        {
            return (null, ApiErrors.Validation(context, shape, [new FieldError(["body"], "Field required", "missing")]));
        }

        try
        {
            return (JsonDocument.Parse(body), null);
        }
        catch (JsonException exception)
        {
            return (null, ApiErrors.Validation(
                context,
                shape,
                [new FieldError(["body", (int)(exception.BytePositionInLine ?? 0)], "JSON decode error", "json_invalid")]));
        }
    }
}
