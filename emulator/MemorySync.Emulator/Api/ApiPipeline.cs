using System.Diagnostics;
using MemorySync.Emulator.Admin;
using MemorySync.Emulator.Faults;
using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Idempotency;
using MemorySync.Emulator.Memories;
using MemorySync.Emulator.Webhooks;

namespace MemorySync.Emulator.Api;

/// <summary>
/// The stages every API request passes, outermost first: request id and counting (middleware), injected faults,
/// service down, authentication, rate limits, end user, Idempotency-Key, monthly quota, and then the handler.
/// </summary>
internal static class ApiPipeline
{
    public const string AdminPrefix = "/_emulator";

    /// <summary>Gives every request an id, counts API requests, and turns failures into error bodies.</summary>
    public static async Task RequestContext(HttpContext context, RequestDelegate next, EmulatorRuntime runtime)
    {
        var state = new RequestState(RequestState.NewRequestId(), runtime.Time.GetUtcNow());
        context.Features.Set(state);
        context.Response.Headers["X-Request-ID"] = state.RequestId;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
            if (context.Response.StatusCode == 405 && !context.Response.HasStarted)
            {
                await Error(context, runtime, 405, "Method not allowed").ExecuteAsync(context);
            }
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            await Error(context, runtime, exception.StatusCode, exception.Message).ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
        }
#pragma warning disable CA1031 // The request boundary: any failure becomes a 500 with a request id, like the service.
        catch (Exception exception) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            runtime.RequestLogger.LogError(exception, "Request {RequestId} {Method} {Path} failed", state.RequestId, context.Request.Method, context.Request.Path.Value);
            await Error(context, runtime, 500, "Internal server error").ExecuteAsync(context);
        }
        finally
        {
            var path = context.Request.Path.Value ?? "/";
            if (!path.StartsWith(AdminPrefix, StringComparison.Ordinal))
            {
                Count(context, runtime, state, path, started);
            }
        }
    }

    /// <summary>Injected faults: before processing (nothing stored) or after it (stored, answer replaced or lost).</summary>
    public static async ValueTask<object?> Faults(
        EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, EmulatorRuntime runtime)
    {
        var context = invocation.HttpContext;
        var decision = runtime.Faults.Decide(context.Request.Method, context.Request.Path.Value ?? "/");
        if (decision is null)
        {
            return await next(invocation);
        }

        runtime.Metrics.FaultInjected();
        RequestState.Of(context).Fault = decision.Description;
        if (decision.Phase == FaultPhase.Before)
        {
            await DelayAsync(runtime, decision.Latency, context.RequestAborted);
            return decision.Kind == FaultKind.Latency ? await next(invocation) : FaultAnswer(context, runtime, decision);
        }

        var result = await next(invocation);
        await DelayAsync(runtime, decision.Latency, context.RequestAborted);
        return decision.Kind == FaultKind.Latency ? result : FaultAnswer(context, runtime, decision);
    }

    public static async ValueTask<object?> ServiceDown(
        EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, EmulatorRuntime runtime) =>
        runtime.Settings.Current.ServiceDown
            ? Error(invocation.HttpContext, runtime, 503, "Service unavailable: the primary database is down")
            : await next(invocation);

    public static async ValueTask<object?> Authenticate(
        EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, EmulatorRuntime runtime)
    {
        var context = invocation.HttpContext;
        var auth = runtime.Authenticate(
            context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers["X-API-Key"].FirstOrDefault());
        if (auth.CallerId is null)
        {
            return Error(context, runtime, auth.Status, auth.Message!);
        }

        var state = RequestState.Of(context);
        state.CallerId = auth.CallerId;
        if (auth.IsBearer)
        {
            // Dashboard sessions do not need X-End-User-ID; they act for the header's user or their own.
            state.EndUserId = "dashboard";
        }

        return await next(invocation);
    }

    public static async ValueTask<object?> RateLimit(
        EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, EmulatorRuntime runtime)
    {
        var context = invocation.HttpContext;
        var settings = runtime.Settings.Current;
        var decision = runtime.RateLimiter.TryAcquire(RequestState.Of(context).CallerId!, settings.Limits);
        if (decision.Admitted)
        {
            return await next(invocation);
        }

        runtime.Metrics.RateLimited();
        runtime.Webhooks.Publish(WebhookEvents.ApiRateLimited, json =>
        {
            json.WriteString("window", decision.Window);
            json.WriteNumber("retry_after", decision.RetryAfterSeconds);
            json.WriteString("path", context.Request.Path.Value);
        });
        return ApiErrors.RateLimited(context, settings.ErrorShape, decision.Window!, decision.RetryAfterSeconds);
    }

    public static async ValueTask<object?> EndUser(
        EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, EmulatorRuntime runtime)
    {
        var context = invocation.HttpContext;
        var state = RequestState.Of(context);
        var header = context.Request.Headers["X-End-User-ID"].FirstOrDefault()?.Trim();
        if (!string.IsNullOrEmpty(header))
        {
            state.EndUserId = header;
        }
        else if (state.EndUserId is null)
        {
            return ApiErrors.Create(
                context,
                runtime.Settings.Current.ErrorShape,
                400,
                "MISSING_END_USER_ID",
                "X-End-User-ID header is required when authenticating with an API key");
        }

        return await next(invocation);
    }

    /// <summary>Replays the first answer for a repeated Idempotency-Key (same API key, end user and route).</summary>
    public static async ValueTask<object?> Idempotency(
        EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, EmulatorRuntime runtime)
    {
        var context = invocation.HttpContext;
        var key = context.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (string.IsNullOrEmpty(key))
        {
            return await next(invocation);
        }

        var settings = runtime.Settings.Current;
        if (key.Length > 255)
        {
            return ApiErrors.Validation(
                context,
                settings.ErrorShape,
                [new FieldError(["header", "Idempotency-Key"], "String should have at most 255 characters", "string_too_long")]);
        }

        var state = RequestState.Of(context);
        var body = await RequestBodies.ReadAsync(context);
        var scope = $"{state.CallerId}\n{state.EndUserId}\n{context.Request.Method} {context.Request.Path.Value}\n{key}";
        var claim = await runtime.Idempotency.ClaimAsync(
            scope, MemoryInput.HashBytes(body), settings.IdempotencyConflict, context.RequestAborted);
        switch (claim.Kind)
        {
            case ClaimKind.Conflict:
                return ApiErrors.Create(
                    context,
                    settings.ErrorShape,
                    409,
                    "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was already used with a different request body");
            case ClaimKind.Replay:
                runtime.Metrics.Replayed();
                state.Replayed = true;
                return ApiResult.Replay(claim.Response!.Status, claim.Response.Body);
        }

        StoredResponse? remembered = null;
        try
        {
            var result = await next(invocation);
            // Only what processing decided is remembered: refusals that did not process (429, quota, 5xx) are not.
            if (result is ApiResult { IsAbort: false, Status: < 500 and not 429 } answer && !state.QuotaApplied)
            {
                remembered = new StoredResponse(answer.Status, answer.Body);
            }

            return result;
        }
        finally
        {
            runtime.Idempotency.Complete(scope, claim.Entry!, remembered);
        }
    }

    /// <summary>The monthly quota on metered routes: silent (success-shaped, nothing stored) or strict (429).</summary>
    public static EndpointFilterDelegate Quota(EndpointFilterDelegate next, EmulatorRuntime runtime, bool isWrite) =>
        async invocation =>
        {
            var settings = runtime.Settings.Current;
            if (settings.Quota == QuotaMode.Off || runtime.Quota.Used < settings.MonthlyLimit)
            {
                return await next(invocation);
            }

            var context = invocation.HttpContext;
            runtime.Metrics.QuotaLimited();
            RequestState.Of(context).QuotaApplied = true;
            if (settings.Quota == QuotaMode.Strict)
            {
                return ApiErrors.QuotaExceeded(context);
            }

            return isWrite
                ? ApiResult.Json(200, new StatusResponse("ok"), EmulatorJson.Default.StatusResponse)
                : ApiResult.Json(200, new EmptyMemoriesResponse([]), EmulatorJson.Default.EmptyMemoriesResponse);
        };

    public static ApiResult Error(HttpContext context, EmulatorRuntime runtime, int status, string message) =>
        ApiErrors.Create(context, runtime.Settings.Current.ErrorShape, status, ApiErrors.CodeFor(status), message);

    private static ApiResult FaultAnswer(HttpContext context, EmulatorRuntime runtime, FaultDecision decision) =>
        decision.Kind switch
        {
            FaultKind.Drop => ApiResult.Abort,
            FaultKind.RateLimit when decision.RetryAfterAsHttpDate => ApiErrors
                .RateLimited(context, runtime.Settings.Current.ErrorShape, "per-minute", decision.RetryAfterSeconds)
                .WithRetryAfterDate(runtime.Time.GetUtcNow().AddSeconds(decision.RetryAfterSeconds)),
            FaultKind.RateLimit => ApiErrors.RateLimited(
                context, runtime.Settings.Current.ErrorShape, "per-minute", decision.RetryAfterSeconds),
            _ => Error(context, runtime, decision.Status, $"Injected fault: the service answered {decision.Status}"),
        };

    private static async Task DelayAsync(EmulatorRuntime runtime, TimeSpan latency, CancellationToken cancellationToken)
    {
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, runtime.Time, cancellationToken);
        }
    }

    private static void Count(HttpContext context, EmulatorRuntime runtime, RequestState state, string path, long started)
    {
        var endpoint = context.GetEndpoint() as RouteEndpoint;
        var route = endpoint is null || endpoint.DisplayName == "unmatched"
            ? "(unmatched)"
            : $"{context.Request.Method} {endpoint.RoutePattern.RawText}";
        var status = state.Dropped ? 0 : context.Response.StatusCode;
        runtime.Metrics.CountRequest(new EmulatorRequest(
            state.RequestId,
            context.Request.Method,
            path,
            route,
            status,
            state.EndUserId ?? context.Request.Headers["X-End-User-ID"].FirstOrDefault(),
            context.Request.Headers["Idempotency-Key"].FirstOrDefault(),
            state.Replayed,
            state.Fault,
            state.ArrivedAt));
        if (runtime.Options.Verbose)
        {
            runtime.RequestLogger.LogInformation(
                "{Method} {Path} answered {Status} in {ElapsedMs:0.0} ms (request {RequestId}, end user {EndUser}, fault {Fault}, replayed {Replayed})",
                context.Request.Method,
                path,
                status,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                state.RequestId,
                state.EndUserId,
                state.Fault,
                state.Replayed);
        }
    }
}

/// <summary>Reads a request body once (bounded by Kestrel's limit) and keeps it for the later stages.</summary>
internal static class RequestBodies
{
    public static async ValueTask<byte[]> ReadAsync(HttpContext context)
    {
        var state = RequestState.Of(context);
        if (state.Body is { } body)
        {
            return body;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        state.Body = buffer.ToArray();
        return state.Body;
    }
}
