using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Tests.Support;

namespace MemorySync.Emulator.Tests.Api;

public sealed class ErrorShapeTests
{
    [Test]
    public async Task Envelope_IsTheDefault()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");

        using var response = await client.PostAsync("memory/add", """{"text":"short"}""");

        var body = await response.JsonAsync();
        var error = body.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("VALIDATION_ERROR");
        error.GetProperty("message").GetString().Should().Be("text: String should have at least 10 characters");
        error.GetProperty("details")[0].GetProperty("loc").GetRawText().Should().Be("""["body","text"]""");
        body.GetProperty("request_id").GetString().Should().StartWith("req_");
    }

    [Test]
    public async Task Flat_NamesTheErrorClass()
    {
        await using var emulator = await TestEmulator.StartAsync(options => options.ErrorShape = ErrorShape.Flat);
        using var client = emulator.CreateClient("u1");

        using var validation = await client.PostAsync("memory/add", """{"text":"short"}""");
        using var notFound = await client.GetAsync(new Uri("memory/42", UriKind.Relative));

        var body = await validation.JsonAsync();
        body.GetProperty("error").GetString().Should().Be("ValidationError");
        body.GetProperty("message").GetString().Should().Contain("at least 10 characters");
        body.GetProperty("request_id").GetString().Should().StartWith("req_");
        (await notFound.JsonAsync()).GetProperty("error").GetString().Should().Be("NotFoundError");
    }

    [Test]
    public async Task Detail_UsesFastApiShapes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await emulator.Admin.SetErrorShapeAsync(ErrorShape.Detail);
        using var client = emulator.CreateClient("u1");
        using var noUser = emulator.CreateClient();

        using var validation = await client.PostAsync("memory/add", """{"text":"short"}""");
        using var notFound = await client.GetAsync(new Uri("memory/42", UriKind.Relative));
        using var missingUser = await noUser.PostAsync("memory/add", """{"text":"A long enough text"}""");

        var list = (await validation.JsonAsync()).GetProperty("detail");
        list[0].GetProperty("msg").GetString().Should().Be("String should have at least 10 characters");
        list[0].GetProperty("type").GetString().Should().Be("string_too_short");
        (await notFound.JsonAsync()).GetProperty("detail").GetString().Should().Be("Memory 42 not found");
        (await missingUser.JsonAsync()).GetProperty("detail").GetProperty("code").GetString().Should().Be("MISSING_END_USER_ID");
    }

    [Test]
    public async Task UnknownRoute_Answers404InTheShape()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = emulator.CreateClient("u1");

        using var response = await client.GetAsync(new Uri("memory/user/nothing-here", UriKind.Relative));

        ((int)response.StatusCode).Should().Be(404);
        (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString().Should().Be("NOT_FOUND");
    }
}
