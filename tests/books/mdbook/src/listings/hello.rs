use std::io;

// ANCHOR: greet
fn greet(name: &str) -> String {
    format!("你好，{name}！")
}
// ANCHOR_END: greet

fn main() {
    let mut line = String::new();
    io::stdin().read_line(&mut line).expect("读取失败");
    println!("{}", greet(line.trim()));
}
