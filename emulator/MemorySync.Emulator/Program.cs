using MemorySync.Emulator.Hosting;

return await EmulatorCommandLine.Create(Console.Out, Console.Error).Parse(args).InvokeAsync();
