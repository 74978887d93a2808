mod bad_input;
mod common;
mod demo;
mod pipeline;
mod rules_check;
mod run;
