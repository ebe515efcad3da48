using System.Text.Json;
using MemorySync.Emulator.Api;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Memories;

namespace MemorySync.Emulator.Admin;

/// <summary>
/// The admin surface under <c>/_emulator/</c>: no API key (it is an emulator), never rate-limited, never faulted,
/// not counted. Everything tests and benchmarks need to see what arrived and to shape how the service behaves.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        var admin = app.MapGroup(ApiPipeline.AdminPrefix).AddEndpointFilter(async (invocation, next) =>
        {
            try
            {
                return await next(invocation);
            }
            catch (ArgumentException exception)
            {
                return ApiPipeline.Error(invocation.HttpContext, runtime, 400, exception.Message);
            }
        });
        admin.MapGet("/memories", (HttpContext context) => Memories(context, runtime));
        admin.MapGet("/memories/{id:long}", (long id) =>
            runtime.Store.All().FirstOrDefault(m => m.Id == id) is { } memory
                ? Results.Json(ToAdmin(memory), EmulatorJson.Default.EmulatorMemory)
                : Results.NotFound());
        admin.MapGet("/counters", () => Results.Json(runtime.Metrics.Snapshot(), EmulatorJson.Default.EmulatorCounters));
        admin.MapGet("/requests", () => Results.Json(runtime.Metrics.Requests(), EmulatorJson.Default.IReadOnlyListEmulatorRequest));
        admin.MapPost("/reset", () =>
        {
            runtime.Reset();
            return Results.NoContent();
        });
        admin.MapGet("/settings", () => Results.Json(Settings(runtime), EmulatorJson.Default.EmulatorSettings));
        admin.MapPatch("/settings", async (HttpContext context) =>
        {
            var update = await ReadAsync(context, EmulatorJson.Default.EmulatorSettingsUpdate);
            runtime.Settings.Apply(update);
            return Results.Json(Settings(runtime), EmulatorJson.Default.EmulatorSettings);
        });
        admin.MapGet("/faults", () => Results.Json(runtime.Faults.Snapshot(), EmulatorJson.Default.FaultState));
        admin.MapPost("/faults", async (HttpContext context) =>
        {
            var rule = await ReadAsync(context, EmulatorJson.Default.FaultRule);
            return Results.Json<IReadOnlyList<string>>([runtime.Faults.AddRule(rule)], EmulatorJson.Default.IReadOnlyListString);
        });
        admin.MapPost("/faults/script", async (HttpContext context) =>
        {
            var steps = await ReadAsync(context, EmulatorJson.Default.IReadOnlyListFaultRule);
            return Results.Json(runtime.Faults.AppendScript(steps), EmulatorJson.Default.IReadOnlyListString);
        });
        admin.MapDelete("/faults", () =>
        {
            runtime.Faults.Clear();
            return Results.NoContent();
        });
        admin.MapGet("/webhooks/deliveries", (string? webhook_id) =>
            Results.Json(runtime.Webhooks.Deliveries(webhook_id), EmulatorJson.Default.IReadOnlyListWebhookDelivery));
    }

    public static EmulatorMemory ToAdmin(StoredMemory memory) => new(
        memory.Id,
        memory.EndUserId,
        memory.Text,
        memory.Source,
        memory.EventType,
        memory.Tags,
        memory.Importance,
        memory.Metadata,
        memory.CreatedAt,
        memory.UpdatedAt,
        memory.ExpiresAt,
        memory.DeletedAt);

    private static IResult Memories(HttpContext context, EmulatorRuntime runtime)
    {
        var query = context.Request.Query;
        var endUser = query["end_user_id"].FirstOrDefault();
        var source = query["source"].FirstOrDefault();
        var key = query["metadata_key"].FirstOrDefault();
        var value = query["metadata_value"].FirstOrDefault();
        var includeDeleted = bool.TryParse(query["include_deleted"].FirstOrDefault(), out var flag) && flag;
        IReadOnlyList<EmulatorMemory> memories =
        [
            .. runtime.Store.All()
                .Where(m => includeDeleted || m.DeletedAt is null)
                .Where(m => endUser is null || m.EndUserId == endUser)
                .Where(m => source is null || m.Source == source)
                .Where(m => key is null || MetadataMatch.Has(m.Metadata, key, value))
                .Select(ToAdmin),
        ];
        return Results.Json(memories, EmulatorJson.Default.IReadOnlyListEmulatorMemory);
    }

    private static EmulatorSettings Settings(EmulatorRuntime runtime)
    {
        var current = runtime.Settings.Current;
        return new EmulatorSettings
        {
            Tier = current.Tier,
            Limits = current.Limits,
            Quota = current.Quota,
            MonthlyLimit = current.MonthlyLimit,
            MonthlyUsed = runtime.Quota.Used,
            ErrorShape = current.ErrorShape,
            IdempotencyConflict = current.IdempotencyConflict,
            Extraction = current.Extraction,
            IdStyle = current.IdStyle,
            ServiceDown = current.ServiceDown,
            RefuseTextContaining = current.RefuseTextContaining,
        };
    }

    private static async Task<T> ReadAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted)
                ?? throw new BadHttpRequestException("The body must not be null.");
        }
        catch (JsonException exception)
        {
            throw new BadHttpRequestException($"The body is not valid: {exception.Message}");
        }
    }
}
