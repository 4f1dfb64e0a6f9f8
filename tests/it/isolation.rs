//! Tests run in parallel, each with its own moto. A port picked as free can be
//! taken by another test's server before ours binds it; ours then fails to bind while the
//! other one answers. The helper must notice that the answering server is not its own,
//! or the test would share (and on drop, outlive) another test's moto.

use crate::common::moto::Moto;

#[test]
fn a_moto_whose_port_is_taken_is_not_mistaken_for_ours() {
    let first = Moto::start();
    first.create_bucket("first-only");
    let second = Moto::start_on(first.port);
    assert!(
        second.is_err(),
        "a second moto on port {} was reported as started: it would share the first one's state",
        first.port
    );
    // The first server is untouched and still ours.
    assert!(first.keys("first-only").is_empty());
}

#[test]
fn every_moto_gets_its_own_server() {
    let (a, b) = (Moto::start(), Moto::start());
    assert_ne!(a.port, b.port);
    a.create_bucket("only-in-a");
    let in_b = b.boto3("print([x['Name'] for x in s3.list_buckets()['Buckets']])");
    assert!(!in_b.contains("only-in-a"), "{in_b}");
}
