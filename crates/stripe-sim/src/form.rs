//! Decoding of Stripe's bracketed form encoding (`items[0][price]=p`,
//! `metadata[k]=v`, `expand[]=x`) into nested JSON, as Stripe's servers see it.

use serde_json::{Map, Value};

/// Intermediate tree: keeps insertion order and lets numeric keys become arrays
/// only once every sibling is known.
enum Node {
    Leaf(String),
    Obj(Vec<(String, Node)>),
    Arr(Vec<Node>),
}

/// One bracket segment: `Some(key)` for `[key]`, `None` for `[]`.
type Seg = Option<String>;

fn split_key(key: &str) -> (String, Vec<Seg>) {
    let Some(open) = key.find('[') else {
        return (key.to_string(), Vec::new());
    };
    if !key.ends_with(']') || open == 0 {
        return (key.to_string(), Vec::new());
    }
    let base = key[..open].to_string();
    let mut segs = Vec::new();
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            // Malformed: treat the whole key literally.
            return (key.to_string(), Vec::new());
        };
        let inner = &stripped[..close];
        segs.push(if inner.is_empty() {
            None
        } else {
            Some(inner.to_string())
        });
        rest = &stripped[close + 1..];
    }
    if !rest.is_empty() {
        return (key.to_string(), Vec::new());
    }
    (base, segs)
}

fn fresh(next: Option<&Seg>) -> Node {
    match next {
        None => Node::Leaf(String::new()),
        Some(None) => Node::Arr(Vec::new()),
        Some(Some(_)) => Node::Obj(Vec::new()),
    }
}

fn insert(node: &mut Node, segs: &[Seg], value: String) {
    let Some((first, rest)) = segs.split_first() else {
        *node = Node::Leaf(value);
        return;
    };
    match first {
        Some(key) => {
            if !matches!(node, Node::Obj(_)) {
                *node = Node::Obj(Vec::new());
            }
            let Node::Obj(children) = node else {
                unreachable!()
            };
            let idx = match children.iter().position(|(k, _)| k == key) {
                Some(i) => i,
                None => {
                    children.push((key.clone(), fresh(rest.first())));
                    children.len() - 1
                }
            };
            insert(&mut children[idx].1, rest, value);
        }
        None => {
            if !matches!(node, Node::Arr(_)) {
                *node = Node::Arr(Vec::new());
            }
            let Node::Arr(items) = node else {
                unreachable!()
            };
            let mut child = fresh(rest.first());
            insert(&mut child, rest, value);
            items.push(child);
        }
    }
}

fn to_value(node: Node) -> Value {
    match node {
        Node::Leaf(s) => Value::String(s),
        Node::Arr(items) => Value::Array(items.into_iter().map(to_value).collect()),
        Node::Obj(children) => {
            let numeric = !children.is_empty()
                && children
                    .iter()
                    .all(|(k, _)| k.len() < 10 && k.bytes().all(|b| b.is_ascii_digit()));
            if numeric {
                // `items[0][..]`, `items[1][..]`: an array ordered by index.
                let mut indexed: Vec<(u64, Node)> = children
                    .into_iter()
                    .map(|(k, n)| (k.parse().unwrap_or(0), n))
                    .collect();
                indexed.sort_by_key(|(i, _)| *i);
                Value::Array(indexed.into_iter().map(|(_, n)| to_value(n)).collect())
            } else {
                let mut map = Map::new();
                for (k, n) in children {
                    map.insert(k, to_value(n));
                }
                Value::Object(map)
            }
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` string (body or query) into
/// a JSON object whose leaves are strings.
pub fn decode(input: &str) -> Value {
    let mut root = Node::Obj(Vec::new());
    for (key, value) in url::form_urlencoded::parse(input.as_bytes()) {
        if key.is_empty() {
            continue;
        }
        let (base, mut segs) = split_key(&key);
        segs.insert(0, Some(base));
        insert(&mut root, &segs, value.into_owned());
    }
    match to_value(root) {
        Value::Object(m) => Value::Object(m),
        // A query made only of numeric keys (`0=a`) still has to be an object.
        Value::Array(items) => Value::Object(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
        ),
        other => other,
    }
}

/// Encodes a flat list of pairs, for tests and the demo.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// Treats an array produced from numeric keys (`metadata[0]=x`) as the object
/// the caller meant, where an object is expected.
pub fn as_object_lenient(v: &Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_keys() {
        let v = decode("items[0][price]=p1&items[1][price]=p2&items[0][quantity]=2&metadata[a]=b&expand[]=x&expand[]=y&name=A+B%21&created[gte]=5");
        assert_eq!(
            v,
            json!({
                "items": [{"price": "p1", "quantity": "2"}, {"price": "p2"}],
                "metadata": {"a": "b"},
                "expand": ["x", "y"],
                "name": "A B!",
                "created": {"gte": "5"}
            })
        );
    }

    #[test]
    fn sparse_indices_keep_order() {
        let v = decode("items[5][price]=b&items[2][price]=a");
        assert_eq!(v, json!({"items": [{"price": "a"}, {"price": "b"}]}));
    }

    #[test]
    fn malformed_keys_are_literal() {
        let v = decode("a[b=1&[x]=2&c]=3");
        assert_eq!(v, json!({"a[b": "1", "[x]": "2", "c]": "3"}));
    }
}
