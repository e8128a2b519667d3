//! The baseline for `bench/startup`: a Tauri window with a one-line page and
//! the same first-paint report as Stripe Desk, nothing else.

#[tauri::command]
fn app_first_paint() {
    println!("first-paint");
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_first_paint])
        .run(tauri::generate_context!())
        .expect("bare window failed to start");
}
