using System.Globalization;
using System.Text;

namespace ConnectorHost.Fakes.Confluence;

/// <summary>A CQL the fake does not understand (answered with 400 and the v1 error body).</summary>
internal sealed class FakeCqlException(string message) : Exception(message);

/// <summary>A parsed CQL query: a filter and an order.</summary>
internal sealed record FakeCqlQuery(Func<FakeContent, bool> Filter, bool OrderByLastModified, bool Descending);

/// <summary>
/// The subset of CQL the fake understands: <c>type</c>, <c>space</c>, <c>id</c>, <c>label</c>, <c>container</c> with
/// <c>=</c>, <c>!=</c>, <c>IN</c> and <c>NOT IN</c>; <c>lastmodified</c> and <c>created</c> with <c>=</c>, <c>&lt;</c>,
/// <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>, compared at minute precision with literals read in the site's time zone
/// (an ambiguous local time reads as standard time, the later instant); <c>AND</c>, <c>OR</c>, <c>NOT</c>, parentheses;
/// <c>ORDER BY lastmodified|id|created ASC|DESC</c>.
/// </summary>
internal static class FakeCql
{
    private static readonly string[] s_dateFormats = ["yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd", "yyyy/MM/dd"];

    public static FakeCqlQuery Parse(string cql, TimeZoneInfo siteTimeZone)
    {
        var parser = new Parser(Tokenize(cql), siteTimeZone);
        return parser.Query();
    }

    private static List<string> Tokenize(string cql)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < cql.Length)
        {
            var c = cql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '"' or '\'')
            {
                var text = new StringBuilder("\"");
                i++;
                while (i < cql.Length && cql[i] != c)
                {
                    if (cql[i] == '\\' && i + 1 < cql.Length)
                    {
                        i++;
                    }

                    text.Append(cql[i++]);
                }

                if (i >= cql.Length)
                {
                    throw new FakeCqlException("unterminated string");
                }

                i++;
                tokens.Add(text.ToString());
            }
            else if (c is '(' or ')' or ',')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c is '=' or '!' or '<' or '>' or '~')
            {
                var op = i + 1 < cql.Length && cql[i + 1] == '=' ? cql.Substring(i, 2) : c.ToString();
                tokens.Add(op);
                i += op.Length;
            }
            else
            {
                var start = i;
                while (i < cql.Length && !char.IsWhiteSpace(cql[i]) && cql[i] is not ('(' or ')' or ',' or '=' or '!' or '<' or '>' or '"' or '\''))
                {
                    i++;
                }

                tokens.Add(cql[start..i]);
            }
        }

        return tokens;
    }

    private sealed class Parser(List<string> tokens, TimeZoneInfo siteTimeZone)
    {
        private int _position;

        public FakeCqlQuery Query()
        {
            Func<FakeContent, bool> filter = _ => true;
            if (!AtEnd && !IsKeyword("ORDER"))
            {
                filter = Or();
            }

            var byLastModified = false;
            var descending = false;
            if (IsKeyword("ORDER"))
            {
                _position++;
                Expect("BY");
                var field = Next().ToLowerInvariant();
                byLastModified = field switch
                {
                    "lastmodified" or "created" => true,
                    "id" => false,
                    _ => throw new FakeCqlException($"cannot order by '{field}'"),
                };
                if (IsKeyword("ASC") || IsKeyword("DESC"))
                {
                    descending = Next().Equals("DESC", StringComparison.OrdinalIgnoreCase);
                }
            }

            if (!AtEnd)
            {
                throw new FakeCqlException($"unexpected '{tokens[_position]}'");
            }

            return new FakeCqlQuery(filter, byLastModified, descending);
        }

        private bool AtEnd => _position >= tokens.Count;

        private Func<FakeContent, bool> Or()
        {
            var left = And();
            while (IsKeyword("OR"))
            {
                _position++;
                var l = left;
                var r = And();
                left = c => l(c) || r(c);
            }

            return left;
        }

        private Func<FakeContent, bool> And()
        {
            var left = Unary();
            while (IsKeyword("AND"))
            {
                _position++;
                var l = left;
                var r = Unary();
                left = c => l(c) && r(c);
            }

            return left;
        }

        private Func<FakeContent, bool> Unary()
        {
            if (IsKeyword("NOT"))
            {
                _position++;
                var inner = Unary();
                return c => !inner(c);
            }

            if (Peek() == "(")
            {
                _position++;
                var inner = Or();
                Expect(")");
                return inner;
            }

            return Clause();
        }

        private Func<FakeContent, bool> Clause()
        {
            var field = Next().ToLowerInvariant();
            string op;
            if (IsKeyword("NOT"))
            {
                _position++;
                Expect("IN");
                op = "NOT IN";
            }
            else if (IsKeyword("IN"))
            {
                _position++;
                op = "IN";
            }
            else
            {
                op = Next();
            }

            var values = op.EndsWith("IN", StringComparison.Ordinal) ? List() : [Value()];
            return field switch
            {
                "type" => Set(op, values, c => [c.Type]),
                "space" or "space.key" => Set(op, values, c => [c.SpaceKey]),
                "id" or "content" => Set(op, values, c => [c.Id]),
                "label" => Set(op, values, c => c.Labels),
                "container" => Set(op, values, c => c.ContainerId is null ? [] : [c.ContainerId]),
                "lastmodified" => Date(op, values[0], c => c.LastModified),
                "created" => Date(op, values[0], c => c.Created),
                _ => throw new FakeCqlException($"the field '{field}' is not supported"),
            };
        }

        private static Func<FakeContent, bool> Set(string op, List<string> values, Func<FakeContent, IEnumerable<string>> of)
        {
            var set = values.ToHashSet(StringComparer.Ordinal);
            return op switch
            {
                "=" or "IN" => c => of(c).Any(set.Contains),
                "!=" or "NOT IN" => c => !of(c).Any(set.Contains),
                _ => throw new FakeCqlException($"operator '{op}' does not apply here"),
            };
        }

        private Func<FakeContent, bool> Date(string op, string literal, Func<FakeContent, DateTimeOffset> of)
        {
            if (!DateTime.TryParseExact(literal, s_dateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                throw new FakeCqlException($"'{literal}' is not a date");
            }

            if (siteTimeZone.IsInvalidTime(local))
            {
                throw new FakeCqlException($"'{literal}' does not exist in {siteTimeZone.Id}");
            }

            // ConvertTimeToUtc reads an ambiguous local time as standard time: the later of the two instants.
            var instant = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, siteTimeZone), TimeSpan.Zero);
            return op switch
            {
                ">=" => c => Minute(of(c)) >= instant,
                ">" => c => Minute(of(c)) > instant,
                "<=" => c => Minute(of(c)) <= instant,
                "<" => c => Minute(of(c)) < instant,
                "=" => c => Minute(of(c)) == instant,
                _ => throw new FakeCqlException($"operator '{op}' does not apply to dates"),
            };

            static DateTimeOffset Minute(DateTimeOffset t) =>
                new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        }

        private List<string> List()
        {
            Expect("(");
            var values = new List<string> { Value() };
            while (Peek() == ",")
            {
                _position++;
                values.Add(Value());
            }

            Expect(")");
            return values;
        }

        private string Value()
        {
            var token = Next();
            if (token is "(" or ")" or ",")
            {
                throw new FakeCqlException($"expected a value, found '{token}'");
            }

            return token.StartsWith('"') ? token[1..] : token;
        }

        private string? Peek() => AtEnd ? null : tokens[_position];

        private string Next() => AtEnd ? throw new FakeCqlException("the query ends too early") : tokens[_position++];

        private bool IsKeyword(string keyword) => !AtEnd && tokens[_position].Equals(keyword, StringComparison.OrdinalIgnoreCase);

        private void Expect(string token)
        {
            if (!string.Equals(Next(), token, StringComparison.OrdinalIgnoreCase))
            {
                throw new FakeCqlException($"expected '{token}'");
            }
        }
    }
}
