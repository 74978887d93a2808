mod bad_input;
mod common;
mod demo;
mod rules_check;
mod run;
