package convert

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// nodeKey tells apart every node yaml.v3 writes differently, and gives
// the nodes it writes alike one key only when they are alike in all it
// writes from.
func TestNodeKeyFollowsYAML(t *testing.T) {
	step := func(edit func(m *yaml.Node)) *yaml.Node {
		m := mapping()
		add(m, "name", str("Join domain"))
		add(m, "timeout", integer(5))
		body := flow(mapping())
		add(body, "password", flow(mapping()))
		add(body.Content[1], "env", str("JOIN_PASSWORD"))
		add(m, "joinDomain", body)
		if edit != nil {
			edit(m)
		}
		return m
	}
	nodes := []*yaml.Node{
		step(nil),
		step(func(m *yaml.Node) { m.Content[1].Value = "Join domain 2" }),
		step(func(m *yaml.Node) { m.Content[1].Style = yaml.DoubleQuotedStyle }),
		step(func(m *yaml.Node) { m.Content[3].Tag = "!!str" }),
		step(func(m *yaml.Node) { m.Content[5].Style = 0 }),
		step(func(m *yaml.Node) { m.Content[1].LineComment = "# c" }),
		step(func(m *yaml.Node) { m.Content[1].HeadComment = "# c" }),
		step(func(m *yaml.Node) { m.Content = m.Content[:4] }),
		step(func(m *yaml.Node) { m.Content[0].Value, m.Content[1].Value = "name: Join", "domain" }),
		step(func(m *yaml.Node) { m.Content[0].Value, m.Content[1].Value = "name", ": Join domain" }),
	}
	for i, a := range nodes {
		ka, ok := nodeKey(nil, a)
		if !ok {
			t.Fatalf("node %d: no key", i)
		}
		ya, err := yaml.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		for j, b := range nodes[:i] {
			kb, _ := nodeKey(nil, b)
			yb, _ := yaml.Marshal(b)
			if (string(ka) == string(kb)) != (string(ya) == string(yb)) {
				t.Errorf("nodes %d and %d: same key %v, same YAML %v:\n%s\n%s", j, i, string(ka) == string(kb), string(ya) == string(yb), yb, ya)
			}
		}
	}
	alias := mapping()
	add(alias, "a", &yaml.Node{Kind: yaml.AliasNode, Alias: str("x")})
	if _, ok := nodeKey(nil, alias); ok {
		t.Error("a node holding an alias has a key")
	}
}
