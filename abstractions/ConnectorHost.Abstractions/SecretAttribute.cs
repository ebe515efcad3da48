namespace ConnectorHost.Abstractions;

/// <summary>
/// Marks a settings property as a secret (token, password, key). The host never logs or prints its value, masks it in
/// <c>connector-host validate</c> output, and warns when <c>plugins.json</c> holds it inline instead of as a
/// <c>${env:NAME}</c> or <c>${file:PATH}</c> reference.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class SecretAttribute : Attribute
{
}
